package broadcast

import "time"

// AuditEntry is one change made through the admin API or the CLI: who, what, when, from
// where. It never holds message text or tokens.
type AuditEntry struct {
	ID      string    `json:"id,omitempty"`
	At      time.Time `json:"at"`
	Officer string    `json:"officer"`
	Role    string    `json:"role"`
	// Action names the change, e.g. "campaign.create", "campaign.pause", "follower.label".
	Action  string `json:"action"`
	Account string `json:"account,omitempty"`
	// Target is the object changed (campaign id, user id).
	Target string `json:"target,omitempty"`
	// Remote is the client address (or "cli").
	Remote string `json:"remote"`
	// Result is "ok" or an error code.
	Result string `json:"result"`
}
