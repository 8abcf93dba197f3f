package console

import (
	"net/http"

	"github.com/oabot/oabot/internal/clientip"
)

// clientIP names the client of r for the sign-in throttle (internal/clientip: the same
// rule as bot/httpapi's QR limit).
func clientIP(r *http.Request) string { return clientip.Of(r) }
