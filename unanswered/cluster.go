package unanswered

import "strings"

// Clustering: each question becomes the set of its analysed terms (the knowledge index's
// Indonesian analysis: slang and English rewritten to standard Indonesian, stop words
// dropped, stemmed), weighted by inverse document frequency and normalised. Questions are
// taken oldest first; each joins the cluster whose centroid is most similar (cosine) if that
// similarity reaches the threshold, else starts a cluster. The result depends only on the
// questions and their order: the same input gives the same clusters, and a newer question
// never moves an older one (a cluster keeps its id, its first question, as it grows).
// Questions without a term are grouped by their text, so that "???" is not merged with "!!!".
// incremental.go keeps the clusters in the store as questions come.

// maxPosting bounds the clusters a term proposes as candidates: a term in more clusters
// than this says little about which one a question belongs to (its idf is low), so it does
// not propose candidates, though it still counts in the similarity of the others.
const maxPosting = 256

// askingWords are analysed terms that say how something is asked, not what: the same
// question is asked with any of them ("cara", "syarat", "di mana", "bikin"), so they do
// not group questions (the index keeps them; they tell its entries apart).
var askingWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`apa apakah bagaimana gimana cara mana kemana dimana kapan berapa siapa kenapa
		mengapa syarat buat bikin dapat urus mau ingin tanya bisa boleh tolong mohon info informasi perlu harus
		lewat sudah belum pak bu bapak ibu min admin kak mas mbak ya dong sih kah nya gak tidak bagaimanakah
		hp no nomor telepon nik npwp email wa`) {
		askingWords[w] = true
	}
}

// idfPrior is the number of questions idf counts at least: in a small log the questions of
// one cluster are a large share of all, and their shared terms should still weigh.
const idfPrior = 1000

// posting is a cluster having a term, at a slot of its sum.
type posting struct{ g, slot int32 }
