package indonesian

// Language codes returned by DetectLanguage.
const (
	LangID = "id"
	LangEN = "en"
)

// Function words that mark a message as English or Indonesian. They are frequent,
// short and rarely shared between the two languages.
var (
	englishMarkers = set("the", "is", "are", "am", "was", "were", "how", "what", "where", "when", "why",
		"which", "who", "can", "could", "would", "should", "do", "does", "did", "i", "my", "me", "you",
		"your", "we", "our", "to", "of", "for", "with", "and", "or", "a", "an", "it", "this", "that",
		"please", "need", "want", "get", "have", "has", "there", "much", "many", "long", "if", "from",
		"in", "on", "at", "about", "hello", "hi", "thanks", "thank", "not", "no", "yes", "will", "be",
		"been", "lost", "new", "apply", "register", "renew", "help")
	indonesianMarkers = set("yang", "di", "ke", "dari", "dan", "saya", "aku", "sy", "bagaimana", "gimana",
		"gmn", "apa", "apakah", "cara", "untuk", "utk", "ini", "itu", "bisa", "bs", "mau", "ingin",
		"tidak", "gak", "ga", "nggak", "tdk", "sudah", "udah", "belum", "blm", "kalau", "kalo", "ada",
		"dengan", "dgn", "berapa", "brp", "kapan", "dimana", "mana", "syarat", "bikin", "buat", "ya",
		"min", "kak", "tolong", "mohon", "terima", "kasih", "makasih", "halo", "selamat", "pagi",
		"siang", "sore", "malam", "punya", "kok", "sih", "dong", "nya", "juga", "lagi", "harus",
		"perlu", "kah", "pak", "bu", "mas", "mbak", "gan", "hilang", "baru", "urus", "ngurus", "daftar")
)

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// DetectLanguage tells whether a citizen wrote English or Indonesian, from the words of the
// message (see Words). It returns LangID unless English function words clearly outnumber
// Indonesian ones.
func DetectLanguage(words []string) string {
	en, id := 0, 0
	for _, w := range words {
		if englishMarkers[w] {
			en++
		}
		if indonesianMarkers[w] {
			id++
		}
	}
	if en >= 2 && en > 2*id {
		return LangEN
	}
	if en == 1 && id == 0 && len(words) <= 3 {
		return LangEN
	}
	return LangID
}
