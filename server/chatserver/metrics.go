package chatserver

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"chatroom/ctrl"
	"chatroom/service"
)

// metrics serves GET /metrics in the Prometheus text format. The chat
// counters live in ctrl and service as plain atomics and counters; this
// collector reads them at each scrape, so the hot path never touches
// Prometheus. Only the fan-out histogram is observed as it happens, once
// per broadcast.
type metrics struct {
	reg    *prometheus.Registry
	fanout prometheus.Histogram
	chat   *ctrl.Server
	hub    *service.Hub
	linked func() bool // the broker reaches the other nodes (Broker.Connected); nil: always
	descs  descs
}

// descs describes the chat counters.
type descs struct {
	connections *prometheus.Desc
	users       *prometheus.Desc
	handshakes  *prometheus.Desc
	framesIn    *prometheus.Desc
	framesOut   *prometheus.Desc
	deliveries  *prometheus.Desc
	events      *prometheus.Desc
	rejected    *prometheus.Desc
	rateLimited *prometheus.Desc
	addrLimited *prometheus.Desc
	dropped     *prometheus.Desc
	closes      *prometheus.Desc
	linked      *prometheus.Desc
	rooms       *prometheus.Desc
	refusals    *prometheus.Desc

	userListLimited *prometheus.Desc
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fanout: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chatroom_broadcast_fanout_seconds",
			Help:    "Time to queue one broadcast (talk, join, leave) to every member on this node.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 12), // 1 µs .. 4 s
		}),
	}
	m.descs = descs{
		connections: prometheus.NewDesc("chatroom_connections", "WebSocket connections open now.", nil, nil),
		users:       prometheus.NewDesc("chatroom_users", "Users online (every node).", nil, nil),
		rooms:       prometheus.NewDesc("chatroom_rooms", "Rooms someone is in (every node).", nil, nil),
		refusals:    prometheus.NewDesc("chatroom_room_refusals_total", "Requests about rooms and direct messages refused by a rule, by rule (room_name, room_similar, room_public, rooms_per_conn, rooms_total, rooms_per_ip, already_in, not_in, room_denied, not_online, dm_self, join_rate; moderation: not_allowed, no_such_user, banned, muted, slow_mode, no_such_message, bad_moderation).", []string{"rule"}, nil),
		handshakes:  prometheus.NewDesc("chatroom_handshakes_total", "WebSocket handshakes, by result (accepted, or why refused).", []string{"result"}, nil),
		framesIn:    prometheus.NewDesc("chatroom_frames_in_total", "Data frames received from clients, by message type.", []string{"type"}, nil),
		framesOut:   prometheus.NewDesc("chatroom_frames_out_total", "Messages queued to clients, by type.", []string{"type"}, nil),
		deliveries:  prometheus.NewDesc("chatroom_deliveries_total", "Messages queued to clients, all types.", nil, nil),
		events:      prometheus.NewDesc("chatroom_events_total", "Events (talk, join, leave, direct message) of the rooms this node follows, received from the broker.", nil, nil),
		rejected:    prometheus.NewDesc("chatroom_rejected_frames_total", "Frames answered with an error reply (rate limited ones included).", nil, nil),
		rateLimited: prometheus.NewDesc("chatroom_rate_limited_frames_total", "Frames refused by a rate limit (the connection's, or its address's).", nil, nil),
		addrLimited: prometheus.NewDesc("chatroom_address_rate_limited_frames_total", "Frames refused by the per-address rate limit (-msg-rate-per-ip); counted in chatroom_rate_limited_frames_total too.", nil, nil),
		dropped:     prometheus.NewDesc("chatroom_connections_dropped_total", "Connections closed as soon as accepted, by reason (per_ip_limit, pending_limit).", []string{"reason"}, nil),
		linked:      prometheus.NewDesc("chatroom_broker_connected", "1 while this node is connected to NATS (always 1 for a single node).", nil, nil),
		closes:      prometheus.NewDesc("chatroom_closes_total", "Connections ended, by cause (slow_consumer and flood are the server's doing).", []string{"cause"}, nil),
	}
	m.descs.userListLimited = prometheus.NewDesc("chatroom_userlist_limited_total", "User list requests refused by the user list's own limit (per connection or per address).", nil, nil)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.fanout,
	)
	return m
}

// observeFanout is the room's OnFanout hook.
func (m *metrics) observeFanout(_ int, took time.Duration) { m.fanout.Observe(took.Seconds()) }

// watch registers the chat counters of chat and hub.
func (m *metrics) watch(chat *ctrl.Server, hub *service.Hub) {
	m.chat, m.hub = chat, hub
	m.reg.MustRegister(m)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	d := &m.descs
	for _, d := range []*prometheus.Desc{d.connections, d.users, d.handshakes, d.framesIn, d.framesOut, d.deliveries, d.events, d.rejected, d.rateLimited, d.addrLimited, d.dropped, d.closes, d.linked} {
		ch <- d
	}
	ch <- d.userListLimited
	ch <- d.rooms
	ch <- d.refusals
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	d := &m.descs
	cs, rs := m.chat.Stats(), m.hub.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(d.connections, float64(cs.Connections))
	gauge(d.users, float64(rs.Users))
	gauge(d.rooms, float64(rs.Rooms))
	for k, v := range rs.Refused {
		counter(d.refusals, v, string(k))
	}
	for k, v := range cs.Handshakes {
		counter(d.handshakes, v, k)
	}
	for k, v := range cs.FramesIn {
		counter(d.framesIn, v, k)
	}
	for k, v := range rs.FramesOut {
		counter(d.framesOut, v, k)
	}
	counter(d.deliveries, rs.Deliveries)
	counter(d.events, rs.Events)
	counter(d.rejected, cs.RejectedFrames)
	counter(d.rateLimited, cs.RateLimited)
	counter(d.addrLimited, cs.AddrLimited)
	for k, v := range cs.Dropped {
		counter(d.dropped, v, k)
	}
	counter(d.userListLimited, cs.UserListLimited)
	for k, v := range cs.Closes {
		counter(d.closes, v, k)
	}
	linked := 1.0
	if m.linked != nil && !m.linked() {
		linked = 0
	}
	gauge(d.linked, linked)
}
