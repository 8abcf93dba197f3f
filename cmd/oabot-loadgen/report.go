package main

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// Report is what one benchmark run measured.
type Report struct {
	Replicas    int     `json:"replicas"`
	OAs         int     `json:"oas"`
	Citizens    int     `json:"citizens_per_oa"`
	Events      int     `json:"events"`
	Partitions  int     `json:"partitions"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"offered_rate"`
	Killed      string  `json:"killed,omitempty"`

	AckP50, AckP90, AckP99, AckMax         Millis `json:"-"`
	ReplyP50, ReplyP90, ReplyP99, ReplyMax Millis `json:"-"`
	AckMillis                              [4]float64
	ReplyMillis                            [4]float64
	IngestPerSecond, EndToEndPerSecond     float64
	Webhook200, Webhook503, WebhookOther   int64
	NetworkErrors, Redelivered             int64
	AckedPerReplica                        []int64
	CPUSecondsPerReplica                   []float64
	CPUSecondsPer1000Events                float64
	RedisCPUSeconds                        float64
	RedisBytesPerConversationState         float64
	RedisBytesPerConversationAll           float64
	Answered, Lost, Duplicated, Partial    int
	RepliesPerEventMode                    map[string]int
	FakeRefused                            map[int]int
	SendSeconds, SettleSeconds             float64
	// DuplicateGaps is, per duplicated conversation, the time between its first and last
	// reply: about claim_idle means a job redelivered after a crash between send and ack.
	DuplicateGaps []string
}

func spread(ts []time.Time) time.Duration {
	lo, hi := ts[0], ts[0]
	for _, t := range ts {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	return hi.Sub(lo)
}

// Millis prints a duration in milliseconds.
type Millis time.Duration

func (m Millis) String() string { return fmt.Sprintf("%.2f ms", float64(m)/1e6) }

func buildReport(o options, cl *cluster, events []*event, capt *capture, start, sendDone, settled time.Time, killed int) *Report {
	r := &Report{Replicas: o.Replicas, OAs: o.OAs, Citizens: o.Citizens, Events: len(events),
		Partitions: o.Partitions, Concurrency: o.Concurrency, Rate: o.Rate,
		FakeRefused: map[int]int{}, RepliesPerEventMode: map[string]int{}}
	if killed >= 0 {
		r.Killed = fmt.Sprintf("replica %d with SIG%s after %.0f%% of the events", killed+1, o.KillSignal, o.KillAt*100)
	}
	capt.mu.Lock()
	defer capt.mu.Unlock()

	// Replies per event by query: the mode is what one handling sends; more is a duplicate.
	counts := map[int]map[int]int{} // query → reply count → conversations
	for _, ev := range events {
		n := len(capt.replies[cl.accounts[ev.oa].OAID+"/"+ev.user])
		if counts[ev.query] == nil {
			counts[ev.query] = map[int]int{}
		}
		counts[ev.query][n]++
	}
	mode := map[int]int{}
	for q, byN := range counts {
		best, bestN := -1, 0
		for n, c := range byN {
			if n > 0 && (c > best || (c == best && n < bestN)) {
				best, bestN = c, n
			}
		}
		mode[q] = bestN
		r.RepliesPerEventMode[queries[q]] = bestN
	}

	var acks, replies []time.Duration
	var lastReply time.Time
	var lastAck time.Time
	for _, ev := range events {
		if ev.acked {
			acks = append(acks, ev.ack)
			if t := ev.created.Add(ev.ack); t.After(lastAck) {
				lastAck = t
			}
		}
		if ev.attempts > 1 {
			r.Redelivered++
		}
		times := capt.replies[cl.accounts[ev.oa].OAID+"/"+ev.user]
		switch {
		case len(times) == 0:
			r.Lost++
			continue
		case len(times) > mode[ev.query]:
			r.Duplicated++
			r.DuplicateGaps = append(r.DuplicateGaps, spread(times).Round(time.Millisecond).String())
		case len(times) < mode[ev.query]:
			r.Partial++
		}
		r.Answered++
		first := times[0]
		for _, t := range times {
			if t.Before(first) {
				first = t
			}
			if t.After(lastReply) {
				lastReply = t
			}
		}
		replies = append(replies, first.Sub(ev.created))
	}
	r.AckP50, r.AckP90, r.AckP99, r.AckMax = quantiles(acks)
	r.ReplyP50, r.ReplyP90, r.ReplyP99, r.ReplyMax = quantiles(replies)
	r.AckMillis = [4]float64{ms(r.AckP50), ms(r.AckP90), ms(r.AckP99), ms(r.AckMax)}
	r.ReplyMillis = [4]float64{ms(r.ReplyP50), ms(r.ReplyP90), ms(r.ReplyP99), ms(r.ReplyMax)}
	if d := lastAck.Sub(start).Seconds(); d > 0 {
		r.IngestPerSecond = float64(len(acks)) / d
	}
	if d := lastReply.Sub(start).Seconds(); d > 0 {
		r.EndToEndPerSecond = float64(r.Answered) / d
	}
	r.SendSeconds, r.SettleSeconds = sendDone.Sub(start).Seconds(), settled.Sub(start).Seconds()

	var cpu float64
	for _, rep := range cl.replicas {
		r.AckedPerReplica = append(r.AckedPerReplica, rep.acked.Load())
		r.CPUSecondsPerReplica = append(r.CPUSecondsPerReplica, rep.cpuUsed())
		cpu += rep.cpuUsed()
	}
	r.CPUSecondsPer1000Events = cpu / float64(len(events)) * 1000
	for _, c := range cl.fake.Refused() {
		r.FakeRefused[c.Code]++
	}
	return r
}

func ms(m Millis) float64 { return float64(m) / 1e6 }

// quantiles returns p50, p90, p99 and the maximum (nearest rank).
func quantiles(d []time.Duration) (p50, p90, p99, maxd Millis) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) Millis {
		i := int(q*float64(len(d))+0.5) - 1
		return Millis(d[min(max(i, 0), len(d)-1)])
	}
	return at(0.50), at(0.90), at(0.99), Millis(d[len(d)-1])
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "oabot scale-out benchmark\n")
	fmt.Fprintf(w, "  set-up            %d replicas, 1 Redis (AOF everysec), fake Zalo API; %d OAs × %d citizens; %d events to distinct conversations; %d partitions; %d in flight",
		r.Replicas, r.OAs, r.Citizens, r.Events, r.Partitions, r.Concurrency)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", offered %.0f ev/s", r.Rate)
	}
	fmt.Fprintln(w)
	if r.Killed != "" {
		fmt.Fprintf(w, "  stopped           %s\n", r.Killed)
	}
	fmt.Fprintf(w, "  webhook ack       p50 %s  p90 %s  p99 %s  max %s\n", r.AckP50, r.AckP90, r.AckP99, r.AckMax)
	fmt.Fprintf(w, "  event → reply     p50 %s  p90 %s  p99 %s  max %s\n", r.ReplyP50, r.ReplyP90, r.ReplyP99, r.ReplyMax)
	fmt.Fprintf(w, "  throughput        ingest %.0f ev/s, end to end %.0f ev/s (send %.1f s, all answered %.1f s)\n",
		r.IngestPerSecond, r.EndToEndPerSecond, r.SendSeconds, r.SettleSeconds)
	fmt.Fprintf(w, "  webhook answers   200: %d, 503: %d, other: %d, network errors: %d, events redelivered: %d\n",
		r.Webhook200, r.Webhook503, r.WebhookOther, r.NetworkErrors, r.Redelivered)
	fmt.Fprintf(w, "  acked per replica %v\n", r.AckedPerReplica)
	fmt.Fprintf(w, "  CPU               %.3f s per 1,000 events (replicas' user+system from /proc: %s); Redis %.3f s per 1,000 events\n",
		r.CPUSecondsPer1000Events, fmtFloats(r.CPUSecondsPerReplica), r.RedisCPUSeconds/float64(r.Events)*1000)
	fmt.Fprintf(w, "  Redis memory      %.0f bytes per conversation record (MEMORY USAGE), %.0f bytes per event over all keys (used_memory delta)\n",
		r.RedisBytesPerConversationState, r.RedisBytesPerConversationAll)
	fmt.Fprintf(w, "  replies per event %v (mode per query)\n", r.RepliesPerEventMode)
	fmt.Fprintf(w, "  delivery          answered %d of %d, lost %d, duplicated %d, partial %d; fake Zalo refusals %v\n",
		r.Answered, r.Events, r.Lost, r.Duplicated, r.Partial, r.FakeRefused)
	if len(r.DuplicateGaps) > 0 {
		fmt.Fprintf(w, "  duplicate gaps    %v (first to last reply of each duplicated conversation)\n", r.DuplicateGaps)
	}
}

func fmtFloats(f []float64) string {
	s := ""
	for i, v := range f {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.2f s", v)
	}
	return s
}
