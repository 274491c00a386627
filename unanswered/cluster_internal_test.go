package unanswered

import (
	"fmt"
	"testing"
	"time"

	"github.com/balai-id/balai"
)

// The same missing thing asked five ways is one cluster; other questions stay apart.
func TestClusterQuestions(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs := []string{
		"bagaimana cara mengurus izin keramaian untuk konser musik di lapangan desa?",
		"min, syarat izin keramaian acara konser apa aja ya",
		"mau bikin konser dangdut, izin keramaiannya ngurus dimana?",
		"Izin keramaian konser musik diurus ke mana pak?",
		"gmn caranya dapet ijin keramaian buat acara konser",
		"jadwal imunisasi polio anak di puskesmas kapan?",
		"berapa harga tiket kapal ke batam",
		"cara mengurus akta kematian orang tua",
		"syarat izin usaha warung makan",
	}
	d := balai.PointsDelta{Full: true}
	t0 := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, q := range qs {
		d.Asked = append(d.Asked, balai.AskedQuestion{Ref: fmt.Sprintf("log:%d", i+1), Source: balai.AskEscalated, Channel: balai.Telegram,
			Chat: fmt.Sprint(i), Text: q, At: t0.Add(time.Duration(i) * time.Minute)})
	}
	m, ps, err := s.syncDelta(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string][]int{}
	var order []string
	for i, p := range ps {
		t.Logf("%q → %s (%s)", qs[i], p.Cluster, p.Terms)
		if groups[p.Cluster] == nil {
			order = append(order, p.Cluster)
		}
		groups[p.Cluster] = append(groups[p.Cluster], i)
	}
	if len(groups) != 5 || len(m.byID) != 5 {
		t.Fatalf("got %d clusters %v, want 5", len(groups), groups)
	}
	if got := groups[order[0]]; len(got) != 5 || got[4] != 4 || order[0] != "log:1" {
		t.Errorf("first cluster %s %v, want the five questions about a concert permit, named after the first", order[0], got)
	}
}
