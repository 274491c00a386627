package unanswered

import (
	"testing"

	"github.com/balai-id/balai/knowledge/indonesian"
)

// The same missing thing asked five ways is one cluster; other questions stay apart.
func TestClusterSets(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{})
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
	an := newAnalyser(a)
	sets := make([]termSet, len(qs))
	for i, q := range qs {
		sets[i] = an.analyse(q)
		var ws []string
		for _, id := range sets[i].terms {
			ws = append(ws, an.names[id])
		}
		t.Logf("%q → %v", q, ws)
	}
	groups := clusterSets(sets, qs, DefaultThreshold)
	t.Logf("%v", groups)
	if len(groups) != 5 {
		t.Fatalf("got %d clusters %v, want 5", len(groups), groups)
	}
	if got := groups[0]; len(got) != 5 || got[4] != 4 {
		t.Errorf("first cluster %v, want the five questions about a concert permit", got)
	}
}
