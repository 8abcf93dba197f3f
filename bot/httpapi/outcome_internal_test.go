package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Every outcome answers JSON: {"status": outcome} with 200, {"error": outcome} otherwise.
func TestOutcomeBodies(t *testing.T) {
	for _, o := range Outcomes {
		var got map[string]string
		if err := json.Unmarshal(outcomeBodies[o], &got); err != nil {
			t.Fatalf("%s: %q: %v", o, outcomeBodies[o], err)
		}
		key := "error"
		if StatusCode(o) == http.StatusOK {
			key = "status"
		}
		if len(got) != 1 || got[key] != string(o) {
			t.Errorf("%s: body %q, want {%q: %q}", o, outcomeBodies[o], key, o)
		}
	}
}
