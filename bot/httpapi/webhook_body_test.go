package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// readBody reads the body whether its length is announced or not, and fails as io.ReadAll
// would on a body shorter than announced or longer than allowed.
func TestReadBody(t *testing.T) {
	const body = `{"event_name":"user_send_text"}`
	limit := func(max int64) io.Reader {
		return http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(body)), max)
	}
	short := func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }
	tooLarge := func(err error) bool {
		var e *http.MaxBytesError
		return errors.As(err, &e)
	}
	for _, tc := range []struct {
		name    string
		n, max  int64
		want    string
		wantErr func(error) bool // nil: no error
	}{
		{"announced", int64(len(body)), 1024, body, nil},
		{"unknown length", -1, 1024, body, nil},
		{"shorter than announced", int64(len(body)) + 5, 1024, "", short},
		{"announced over the limit", int64(len(body)), 10, "", tooLarge},
		{"unknown length over the limit", -1, 10, "", tooLarge},
	} {
		got, err := readBody(limit(tc.max), tc.n, tc.max)
		switch {
		case tc.wantErr == nil && (err != nil || string(got) != tc.want):
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		case tc.wantErr != nil && !tc.wantErr(err):
			t.Errorf("%s: error %v", tc.name, err)
		}
	}
}
