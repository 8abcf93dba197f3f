package zalo

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader is the webhook header that carries the event MAC (zalo-oa.md §1.3).
const SignatureHeader = "X-ZEvent-Signature"

// Signature errors returned by VerifySignature. The webhook answers all three with 401
// (zalo-oa.md §1.2).
var (
	// ErrSignatureMissing: the X-ZEvent-Signature header is absent or blank.
	ErrSignatureMissing = errors.New("zalo signature missing")
	// ErrSignatureMalformed: the header is not "mac=<64 hex>" nor 64 bare hex digits.
	ErrSignatureMalformed = errors.New("zalo signature malformed")
	// ErrSignatureMismatch: the header is well formed but does not match the body, or no
	// OA secret key is configured.
	ErrSignatureMismatch = errors.New("zalo signature mismatch")
)

// Sign returns the X-ZEvent-Signature value Zalo sends for a webhook body (zalo-oa.md §1.3,
// formula checked against a captured event):
//
//	"mac=" + hex(SHA-256(app_id + raw_body + timestamp + oa_secret_key))
//
// appID and timestamp are the app_id and timestamp fields from inside the body; raw is the
// body as sent; oaSecret is the OA Secret Key (not the App Secret). Used by tests, the
// emulator and the load generator.
func Sign(appID string, raw []byte, timestamp, oaSecret string) string {
	return "mac=" + hex.EncodeToString(mac(appID, raw, timestamp, oaSecret))
}

func mac(appID string, raw []byte, timestamp, oaSecret string) []byte {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(raw)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecret))
	return h.Sum(nil)
}

// VerifySignature checks an X-ZEvent-Signature header value against the raw body
// (zalo-oa.md §1.3). It accepts "mac=<hex>" (the documented form; the prefix is matched
// case-insensitively and surrounding spaces are ignored) and bare hex, upper or lower case,
// and compares in constant time. appID and timestamp come from the parsed body
// (Event.Envelope().AppID / .Timestamp); raw must be the bytes as received, never
// re-serialised JSON. It returns nil, ErrSignatureMissing, ErrSignatureMalformed or
// ErrSignatureMismatch. An empty oaSecret always fails with ErrSignatureMismatch.
func VerifySignature(header, appID string, raw []byte, timestamp, oaSecret string) error {
	got, err := parseSignature(header)
	if err != nil {
		return err
	}
	if oaSecret == "" {
		return ErrSignatureMismatch
	}
	if subtle.ConstantTimeCompare(got, mac(appID, raw, timestamp, oaSecret)) != 1 {
		return ErrSignatureMismatch
	}
	return nil
}

// parseSignature returns the 32 digest bytes of a header value.
func parseSignature(header string) ([]byte, error) {
	v := strings.TrimSpace(header)
	if v == "" {
		return nil, ErrSignatureMissing
	}
	if len(v) >= 4 && strings.EqualFold(v[:4], "mac=") {
		v = strings.TrimSpace(v[4:])
	}
	if len(v) != hex.EncodedLen(sha256.Size) {
		return nil, ErrSignatureMalformed
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return nil, ErrSignatureMalformed
	}
	return b, nil
}
