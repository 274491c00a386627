package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/balai-id/balai/bot"
)

// Run receives updates until ctx ends. In polling mode it long-polls getUpdates and
// confirms an update (by asking for the next offset) only after the engine accepted it; a
// crash before that makes Telegram deliver it again, and the engine drops the duplicate.
// In webhook mode it only waits: WebhookHandler receives the updates.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.Mode == ModeWebhook {
		<-ctx.Done()
		return nil
	}
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 && !bot.Sleep(ctx, backoff) {
			break
		}
		updates, err := a.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = nextBackoff(backoff)
			a.log.Warn("Failed to get updates from Telegram", "err", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		if len(updates) == 0 {
			continue
		}
		if err := a.acceptAll(ctx, updates); err != nil {
			if ctx.Err() != nil {
				break
			}
			// Not confirmed: Telegram keeps the updates and returns them again.
			backoff = nextBackoff(backoff)
			a.log.Error("Failed to record updates; they will be fetched again", "err", err, "retry_in", backoff)
			continue
		}
		offset = updates[len(updates)-1].ID + 1
	}
	return nil
}

// acceptAll records a batch of updates in one call.
func (a *Adapter) acceptAll(ctx context.Context, updates []*models.Update) error {
	var in []bot.Inbound
	for _, u := range updates {
		if m, ok := convert(u); ok {
			in = append(in, m)
		}
	}
	if len(in) == 0 {
		return nil
	}
	_, err := a.accept.Accept(ctx, in...)
	return err
}

type getUpdatesRequest struct {
	Offset         int64    `json:"offset,omitempty"`
	Limit          int      `json:"limit"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
}

// getUpdates calls the Bot API directly: the library's own loop confirms updates before
// they are handled, which loses them in a crash.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	body, _ := json.Marshal(getUpdatesRequest{Offset: offset, Limit: 100,
		Timeout: int(a.cfg.PollTimeout / time.Second), AllowedUpdates: allowedUpdates})
	rctx, cancel := context.WithTimeout(ctx, a.cfg.PollTimeout+15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, a.cfg.APIURL+"/bot"+a.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, errors.New("telegram: getUpdates: request failed") // the error text would carry the token
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: %w", err)
	}
	var r apiResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: HTTP %d, unreadable reply", resp.StatusCode)
	}
	if !r.OK {
		return nil, fmt.Errorf("telegram: getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	var updates []*models.Update
	if err := json.Unmarshal(r.Result, &updates); err != nil {
		// One malformed update must not block the others: decode them one by one.
		var items []json.RawMessage
		if json.Unmarshal(r.Result, &items) != nil {
			return nil, fmt.Errorf("telegram: getUpdates: %w", err)
		}
		for _, it := range items {
			var u models.Update
			if err := json.Unmarshal(it, &u); err != nil {
				var id struct {
					ID int64 `json:"update_id"`
				}
				json.Unmarshal(it, &id)
				a.log.Warn("Skipped a malformed update", "update_id", id.ID, "err", err)
				if id.ID != 0 {
					updates = append(updates, &models.Update{ID: id.ID})
				}
				continue
			}
			updates = append(updates, &u)
		}
	}
	return updates, nil
}

// maxWebhookBody bounds a webhook request.
const maxWebhookBody = 1 << 20

// WebhookHandler receives updates posted by Telegram. It checks the secret token in constant
// time (401 when wrong), rejects malformed bodies (400), and answers 200 only after the
// engine recorded the update; otherwise 503, and Telegram delivers it again.
func (a *Adapter) WebhookHandler() http.Handler {
	secret := []byte(a.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u models.Update
		dec := json.NewDecoder(io.LimitReader(r.Body, maxWebhookBody))
		if err := dec.Decode(&u); err != nil || u.ID == 0 {
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		if err := a.acceptAll(r.Context(), []*models.Update{&u}); err != nil {
			if errors.Is(err, bot.ErrBusy) {
				a.log.Warn("Intake full; Telegram will deliver the update again", "update_id", u.ID)
			} else {
				a.log.Error("Failed to record a webhook update; Telegram will retry", "update_id", u.ID, "err", err)
			}
			w.Header().Set("Retry-After", "5")
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 200 * time.Millisecond
	}
	return min(2*d, 10*time.Second)
}
