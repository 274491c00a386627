package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console"
)

// fakeIssuer is an OpenID Connect provider on loopback: discovery, JWKS, an authorization
// endpoint that signs the user in at once, and a token endpoint checking PKCE.
type fakeIssuer struct {
	t      *testing.T
	srv    *httptest.Server
	signer jose.Signer
	key    *rsa.PrivateKey
	now    func() time.Time

	mu sync.Mutex
	// The identity the next sign-in returns, and tampering.
	sub, email string
	verified   bool
	nonce      string // "" → the request's nonce
	codes      map[string]grant
}

type grant struct{ nonce, challenge string }

func newFakeIssuer(t *testing.T, now func() time.Time) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1", Algorithm: "RS256"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{t: t, signer: signer, key: key, now: now, codes: map[string]grant{}, verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"jwks_uri": f.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != "balai" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := rand.Text()
		f.mu.Lock()
		f.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
		f.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if id == "" {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		f.mu.Lock()
		g, ok := f.codes[r.PostFormValue("code")]
		delete(f.codes, r.PostFormValue("code"))
		sub, email, verified, nonce := f.sub, f.email, f.verified, f.nonce
		f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !ok || id != "balai" || secret != "s3cret" || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		if nonce == "" {
			nonce = g.nonce
		}
		now := f.now()
		claims := map[string]any{"iss": f.srv.URL, "sub": sub, "aud": "balai", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"nonce": nonce, "email": email, "email_verified": verified}
		tok, err := jwt.Signed(f.signer).Claims(claims).Serialize()
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": tok})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) as(sub, email string, verified bool, nonce string) {
	f.mu.Lock()
	f.sub, f.email, f.verified, f.nonce = sub, email, verified, nonce
	f.mu.Unlock()
}

// sso runs single sign-on in browser b; tamper may change the callback's query. It returns
// the console's answer to the callback.
func sso(t *testing.T, b *browser, tamper func(url.Values)) response {
	t.Helper()
	start := b.get("/console/oidc/start?next=/console/password")
	if start.status != http.StatusFound {
		t.Fatalf("start: %d\n%s", start.status, start.body)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(start.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	cb, _ := url.Parse(resp.Header.Get("Location"))
	q := cb.Query()
	if tamper != nil {
		tamper(q)
	}
	return b.get(cb.Path + "?" + q.Encode())
}

// TestOIDC: single sign-on maps the ID token's subject, or its verified e-mail, to an
// existing enabled account; a wrong state or nonce, an unknown or unverified e-mail, a
// disabled account or a replayed callback sign no one in; all of it is audited.
func TestOIDC(t *testing.T) {
	var iss *fakeIssuer
	e := newEnv(t, func(c *console.Config) {
		iss = newFakeIssuer(t, c.Now)
		c.OIDC = &console.OIDCConfig{Issuer: iss.srv.URL, ClientID: "balai", ClientSecret: "s3cret"}
	})
	sari := e.account("sari", balai.RoleOfficer, pw)
	budi := e.account("budi", balai.RoleOfficer, pw)
	budi.Disabled = true
	if err := e.db.UpdateAccount(context.Background(), budi); err != nil {
		t.Fatal(err)
	}
	linked, err := e.db.CreateAccount(context.Background(), balai.Account{Username: "dewi", Name: "Dewi", Role: balai.RoleEditor, OIDCSubject: "idp-dewi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.browser().get("/console/login"); !strings.Contains(r.body, `href="/console/oidc/start`) {
		t.Error("the login page offers no single sign-on")
	}

	for _, tt := range []struct {
		name       string
		sub, email string
		verified   bool
		nonce      string
		tamper     func(url.Values)
		status     int
		want       int64 // account signed in; 0: none
		message    string
	}{
		{"verified e-mail", "idp-sari", "SARI@dinas.go.id", true, "", nil, http.StatusSeeOther, sari.ID, ""},
		{"linked subject", "idp-dewi", "other@example.org", false, "", nil, http.StatusSeeOther, linked.ID, ""},
		{"wrong state", "idp-sari", "sari@dinas.go.id", true, "", func(q url.Values) { q.Set("state", "forged") }, http.StatusBadRequest, 0, "SSO gagal"},
		{"wrong nonce", "idp-sari", "sari@dinas.go.id", true, "replayed-nonce", nil, http.StatusUnauthorized, 0, "SSO gagal"},
		{"wrong code", "idp-sari", "sari@dinas.go.id", true, "", func(q url.Values) { q.Set("code", "stolen") }, http.StatusUnauthorized, 0, "SSO gagal"},
		{"unknown e-mail", "idp-x", "nobody@dinas.go.id", true, "", nil, http.StatusForbidden, 0, "belum terdaftar"},
		{"unverified e-mail", "idp-y", "sari@dinas.go.id", false, "", nil, http.StatusForbidden, 0, "belum terdaftar"},
		{"disabled account", "idp-budi", "budi@dinas.go.id", true, "", nil, http.StatusForbidden, 0, "dinonaktifkan"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			iss.as(tt.sub, tt.email, tt.verified, tt.nonce)
			b := e.browser()
			r := sso(t, b, tt.tamper)
			if r.status != tt.status {
				t.Fatalf("callback: %d, want %d\n%s", r.status, tt.status, r.body)
			}
			if tt.want == 0 {
				if b.signedIn() || !strings.Contains(r.body, tt.message) {
					t.Errorf("signed in, or the page lacks %q", tt.message)
				}
				return
			}
			if r.header.Get("Location") != "/console/password" {
				t.Errorf("sent to %q, want the page asked for", r.header.Get("Location"))
			}
			home := b.get("/console/")
			acc, _ := e.db.Account(context.Background(), tt.want)
			if home.status != http.StatusOK || !strings.Contains(home.body, `<dd id="me-name">`+acc.Name+`</dd>`) {
				t.Errorf("home after sign-on: %d, want %s signed in", home.status, acc.Name)
			}
		})
	}

	// A callback without the browser's sign-on cookie (replayed elsewhere) signs no one in.
	iss.as("idp-sari", "sari@dinas.go.id", true, "")
	b := e.browser()
	start := b.get("/console/oidc/start")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(start.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, _ := url.Parse(resp.Header.Get("Location"))
	other := e.browser()
	if r := other.get(cb.RequestURI()); r.status != http.StatusBadRequest || other.signedIn() {
		t.Errorf("replayed callback: %d", r.status)
	}

	var sso, failed int
	for _, a := range e.audit() {
		switch {
		case a.Action == "login" && a.Detail == "sso":
			sso++
		case a.Action == "login_failed" && strings.HasPrefix(a.Detail, "sso: "):
			failed++
		}
	}
	if sso != 2 || failed != 7 {
		t.Errorf("audit: %d sign-ons, %d failures; want 2 and 7", sso, failed)
	}
}
