package app

import (
	"net/http"
	"strconv"
	"time"

	"charm.land/log/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/scheduler"
	hssh "github.com/hebergement/console/ssh"
)

// metrics are the process's Prometheus metrics, in a registry of their own
// (not the global default, so that nothing else a library registers leaks
// into them). The SSH and back-end counters are counted once, by the
// components (ssh.Stats, backend.Stats), and read at each scrape by
// statsCollector; the stand-in's requests and the scheduler's runs are
// counted here, through the hooks those packages call.
type metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	jobRuns      *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
}

// The metrics' names.
const (
	mSSHConnections     = "hebergement_ssh_connections_total"
	mSSHRefused         = "hebergement_ssh_connections_refused_total"
	mSSHSessions        = "hebergement_ssh_sessions_total"
	mSSHSessionsOpen    = "hebergement_ssh_sessions_open"
	mSSHSessionsRefused = "hebergement_ssh_sessions_refused_total"
	mLogins             = "hebergement_logins_total"
	mUploads            = "hebergement_uploads_total"
	mUploadBytes        = "hebergement_upload_received_bytes_total"
	mHTTPRequests       = "hebergement_http_requests_total"
	mHTTPDuration       = "hebergement_http_request_duration_seconds"
	mJobRuns            = "hebergement_scheduler_job_runs_total"
	mJobDuration        = "hebergement_scheduler_job_duration_seconds"
	mSchedulerActive    = "hebergement_scheduler_active"
	mHostedConnections  = "hebergement_hosted_connection_requests_total"
	mHostedChanges      = "hebergement_hosted_changes_total"
	mHostedHeld         = "hebergement_hosted_connections_held"
)

// httpBuckets are the stand-in's latency buckets, in seconds: 0.5 ms to 2.5 s.
var httpBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

func newMetrics(b *backend.Backend, sshSrv func() *hssh.Server, sched func() *scheduler.Scheduler) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: mHTTPRequests,
		Help: "Requests answered by the HTTP stand-in, by route pattern and status code."}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: mHTTPDuration,
		Help: "Time the HTTP stand-in took to answer, by route pattern.", Buckets: httpBuckets}, []string{"route"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: mJobRuns,
		Help: "Scheduler job runs, by job and outcome (ok, error, panic, canceled)."}, []string{"job", "outcome"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: mJobDuration,
		Help: "Duration of scheduler job runs, by job.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"job"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.jobRuns, m.jobDuration,
		&statsCollector{b: b, ssh: sshSrv},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: mSchedulerActive,
			Help: "1 while this process holds the data folder's scheduler lock and runs the jobs, else 0."},
			func() float64 {
				if s := sched(); s != nil && s.State().Active {
					return 1
				}
				return 0
			}),
	)
	return m
}

// observeHTTP is the stand-in's Observe hook.
func (m *metrics) observeHTTP(route string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// observeJob is the scheduler's OnRun hook.
func (m *metrics) observeJob(job, outcome string, d time.Duration) {
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}

// handler serves /metrics and nothing else.
func (m *metrics) handler(logger *log.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            logger.StandardLog(log.StandardLogOptions{ForceLevel: log.ErrorLevel}),
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	return mux
}

var (
	dSSHConnections = prometheus.NewDesc(mSSHConnections, "SSH connections admitted by the limits.", nil, nil)
	dSSHRefused     = prometheus.NewDesc(mSSHRefused,
		"SSH connections refused or closed by the limits, by reason (rate, unauthenticated_per_addr, unauthenticated, evicted, enrollment_full).",
		[]string{"reason"}, nil)
	dSSHSessions     = prometheus.NewDesc(mSSHSessions, "SSH sessions opened, by kind (console, sftp, scp, command).", []string{"kind"}, nil)
	dSSHSessionsOpen = prometheus.NewDesc(mSSHSessionsOpen, "SSH sessions open now, by kind (console, sftp, scp, command).", []string{"kind"}, nil)
	dSSHSessRefused  = prometheus.NewDesc(mSSHSessionsRefused, "SSH sessions refused because their key had the most sessions open.", nil, nil)
	dLogins          = prometheus.NewDesc(mLogins,
		"Hosting credentials checks, by where (console, ssh_enrollment) and outcome.", []string{"via", "outcome"}, nil)
	dUploads = prometheus.NewDesc(mUploads,
		"Files loaded (Charger une base: base; Compléter la base hébergée: annex), by outcome (ok, refused, interrupted, error).",
		[]string{"kind", "outcome"}, nil)
	dUploadBytes = prometheus.NewDesc(mUploadBytes, "Bytes read from loaded files, refused and interrupted ones included, by kind.",
		[]string{"kind"}, nil)
	dHostedConnections = prometheus.NewDesc(mHostedConnections,
		"Clients connecting to a hosted PRONOTE server, by outcome (admitted, no_licence, not_in_service, full).", []string{"outcome"}, nil)
	dHostedChanges = prometheus.NewDesc(mHostedChanges, "Changes written by connected clients to the bases in service.", nil, nil)
	dHostedHeld    = prometheus.NewDesc(mHostedHeld,
		"Connections the hosted servers of this process hold now, every establishment together (expired ones until swept).", nil, nil)
)

// statsCollector reads the SSH server's and the back end's own counters at
// each scrape: nothing is counted twice.
type statsCollector struct {
	b   *backend.Backend
	ssh func() *hssh.Server // nil result: no SSH server in this process
}

var _ prometheus.Collector = (*statsCollector)(nil)

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dSSHConnections, dSSHRefused, dSSHSessions, dSSHSessionsOpen, dSSHSessRefused,
		dLogins, dUploads, dUploadBytes, dHostedConnections, dHostedChanges, dHostedHeld} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	if srv := c.ssh(); srv != nil {
		st := srv.Stats()
		counter(dSSHConnections, st.Connections.Load())
		for i, reason := range hssh.RefusalReasons {
			counter(dSSHRefused, st.Refused[i].Load(), reason)
		}
		for i, kind := range hssh.SessionKinds {
			counter(dSSHSessions, st.Sessions[i].Load(), kind)
			ch <- prometheus.MustNewConstMetric(dSSHSessionsOpen, prometheus.GaugeValue, float64(st.SessionsOpen[i].Load()), kind)
		}
		counter(dSSHSessRefused, st.SessionsRefused.Load())
	}
	st := c.b.Stats()
	for v, via := range backend.LoginVias {
		for o, outcome := range backend.LoginOutcomes {
			counter(dLogins, st.Logins[v][o], via, outcome)
		}
	}
	for k, kind := range backend.UploadKinds {
		for o, outcome := range backend.UploadOutcomes {
			counter(dUploads, st.Uploads[k][o], kind, outcome)
		}
		counter(dUploadBytes, st.BytesReceived[k], kind)
	}
	for o, outcome := range backend.ConnectionOutcomes {
		counter(dHostedConnections, st.Connections[o], outcome)
	}
	counter(dHostedChanges, st.Changes)
	ch <- prometheus.MustNewConstMetric(dHostedHeld, prometheus.GaugeValue, float64(st.Held))
}
