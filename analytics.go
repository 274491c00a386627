package balai

import "time"

// Analytics: the figures the console's dashboard reads from the store (analytics/ computes
// the dashboard from them). Everything here is counts and times: no citizen's name, chat,
// NIK, phone number or e-mail.

// AnalyticsFilter selects what the dashboard counts: a time range [From, To) and a channel
// ("" for every channel).
type AnalyticsFilter struct {
	From, To time.Time
	Channel  Channel
}

// DayCount is how many citizens' messages of one channel the engine decided one way on one
// day (Day is the day's first instant in the agency's zone).
type DayCount struct {
	Day      time.Time
	Channel  Channel
	Decision string // answer, confirm, suggest, escalate, feedback, …
	Reason   string
	Messages int64
}

// EntryCount is how often one FAQ entry answered citizens over a range, and the 👍 and 👎
// its answers got.
type EntryCount struct {
	EntryID  string
	Answers  int64
	Up, Down int64
}

// TicketFact is what the dashboard needs of one ticket: its times, SLA, category, officer
// and rating.
type TicketFact struct {
	ID           int64
	Channel      Channel
	Category     string // of a rated ticket
	Officer      string // of a rated ticket: the assignee's display name (or id)
	Status       Status
	CreatedAt    time.Time
	DueAt        time.Time
	FirstReplyAt time.Time // the first officer reply; zero when none yet
	ClosedAt     time.Time // zero while not closed
	Rating       int       // 1–5; 0 when not rated
}

// QueueCounts is the desk's queue at one instant.
type QueueCounts struct {
	Open     int64 // not yet claimed
	Claimed  int64 // claimed, not yet answered
	Answered int64 // answered, waiting for the citizen
	Overdue  int64 // open or claimed past their due time
}
