package chatserver

import (
	"github.com/prometheus/client_golang/prometheus"

	"chatroom/ctrl"
)

// apiMetrics puts the server API's counters on /metrics:
// chatroom_api_requests_total by result (served, unauthorized: a missing
// or wrong key, throttled: from an address that sent too many wrong keys).
type apiMetrics struct {
	api  *ctrl.API
	desc *prometheus.Desc
}

func newAPIMetrics(api *ctrl.API) *apiMetrics {
	return &apiMetrics{api: api, desc: prometheus.NewDesc("chatroom_api_requests_total",
		"Requests to the server API (/api/), by result: served (the right key), unauthorized (401: no key or a wrong one), throttled (429: an address that sent too many wrong keys).", []string{"result"}, nil)}
}

// Describe implements prometheus.Collector.
func (m *apiMetrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.desc }

// Collect implements prometheus.Collector.
func (m *apiMetrics) Collect(ch chan<- prometheus.Metric) {
	s := m.api.Stats()
	for result, v := range map[string]uint64{"served": s.Served, "unauthorized": s.Unauthorized, "throttled": s.Throttled} {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.CounterValue, float64(v), result)
	}
}
