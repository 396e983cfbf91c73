// Package app composes what a hosting process runs around its one back end
// (SPEC §18, in the spirit of Soft Serve's cmd/soft/serve/server.go): the
// SSH server, the HTTP stand-in of the hosted server, the scheduler and the
// metrics listener, started and stopped together under one errgroup and one
// context.
//
// Start listens on every address first, so that a port already taken fails
// the start with an error naming the component and the address, before
// anything serves; then every component runs in the group, and the first to
// fail stops the others. When the context ends (SIGTERM, ctrl+c) every
// component stops at once and in parallel, within the grace (30 s, the SSH
// server's ShutdownGrace): the SSH server tells its consoles and lets
// uploads finish, the HTTP listeners finish their requests
// (http.Server.Shutdown), and the scheduler lets its running job finish.
//
// Each component logs with its own prefix (ssh, http, metrics, scheduler),
// and one health line at start.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"
	"golang.org/x/sync/errgroup"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/scheduler"
	"github.com/hebergement/console/backend/standin"
	hssh "github.com/hebergement/console/ssh"
)

// Config says which components run and where.
type Config struct {
	// DataDir is the back end's data folder: the scheduler's lock and state
	// live there.
	DataDir string
	// SSH, when set, runs the SSH server with this configuration (its
	// HostKeyPath is required; Listen may be "127.0.0.1:0").
	SSH *hssh.Config
	// HTTP is the stand-in's address; "" runs none.
	HTTP string
	// PublicURL is the stand-in's base URL as users reach it (a provider's
	// host name behind a proxy); "" means http:// and the bound address.
	PublicURL string
	// ClientRate is the stand-in's per-address rate of connections and
	// changes (standin.Config.ClientRate: 0 the default, negative none).
	ClientRate float64
	// EduConnectURL is where the stand-in sends the users of an
	// establishment that delegates its authentication to ÉduConnect
	// (standin.Config.EduConnectURL: "" the default).
	EduConnectURL string
	// HTTPOptional runs the app without the stand-in, and says so, when its
	// address cannot be listened on (the local console), instead of failing.
	HTTPOptional bool
	// Metrics is the metrics listener's address; "" runs none.
	Metrics string
	// LeaseRequired runs nothing at all unless this process gets the
	// scheduler lock (the local console: another process on the data folder,
	// a serve, already runs the stand-in and the scheduler). Otherwise a
	// process without the lock runs its other components and its scheduler
	// stands by, taking the lock over if it is freed.
	LeaseRequired bool
	// Advertise is the stand-in's base URL as the other instances on the
	// database reach it (several instances); "" means its bound address.
	Advertise string
	// Jobs are the scheduler's jobs.
	Jobs []scheduler.Job
	// Grace bounds the stop; the SSH server's ShutdownGrace, else 30 s.
	Grace time.Duration
	// Logger is the parent of the components' loggers; nil discards.
	Logger *log.Logger
}

// Component names, as the health lines, /healthz and the errors say them.
const (
	SSH       = "ssh"
	HTTP      = "http"
	Metrics   = "metrics"
	Scheduler = "scheduler"
)

// What the errors call each component.
var titles = map[string]string{SSH: "SSH server", HTTP: "HTTP stand-in", Metrics: "metrics listener", Scheduler: "scheduler"}

// Addrs are the addresses the listeners are bound to ("" when not running),
// the real ports when the configuration asked for port 0.
type Addrs struct {
	SSH, HTTP, Metrics string
}

// App is one process's set of components.
type App struct {
	b   *backend.Backend
	cfg Config
	log *log.Logger

	sched   *scheduler.Scheduler
	sshSrv  *hssh.Server
	met     *metrics
	addrs   Addrs
	skipped error // why the stand-in does not run (HTTPOptional)
	leader  bool

	started  atomic.Bool
	stopping atomic.Bool
	mu       sync.Mutex
	states   map[string]string
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
}

// New checks cfg; nothing starts before Start.
func New(b *backend.Backend, cfg Config) (*App, error) {
	if b == nil || cfg.DataDir == "" {
		return nil, errors.New("app: no back end or no data folder")
	}
	if cfg.SSH != nil && cfg.SSH.HostKeyPath == "" {
		return nil, errors.New("app: the SSH server needs a host key path")
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
		if cfg.SSH != nil && cfg.SSH.ShutdownGrace > 0 {
			cfg.Grace = cfg.SSH.ShutdownGrace
		}
	}
	lg := cfg.Logger
	if lg == nil {
		lg = log.New(io.Discard)
	}
	return &App{b: b, cfg: cfg, log: lg, states: map[string]string{}, done: make(chan struct{})}, nil
}

// Run starts the components and waits until ctx ends and they have stopped,
// or one fails.
func Run(ctx context.Context, b *backend.Backend, cfg Config) error {
	a, err := New(b, cfg)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.Wait()
}

func (a *App) logger(component string) *log.Logger { return a.log.WithPrefix(component) }

// listen binds one component's address.
func listen(component, addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot listen on %s: %w", titles[component], addr, err)
	}
	return l, nil
}

// Start takes the scheduler lock, listens on every address, starts every
// component and logs their health lines. When it fails, whatever it had
// opened is closed again. The components stop when ctx ends, or on
// Shutdown.
func (a *App) Start(ctx context.Context) (err error) {
	if a.started.Swap(true) {
		return errors.New("app: started twice")
	}
	var listeners []net.Listener
	defer func() {
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			if a.sched != nil {
				a.sched.Close()
			}
			close(a.done)
		}
	}()
	retry := time.Duration(0)
	if a.cfg.LeaseRequired {
		retry = -1
	}
	a.sched, err = scheduler.New(scheduler.Config{Dir: a.cfg.DataDir, Coordinator: a.b.SchedulerCoordinator(0),
		Clock: a.b.Clock(), Jobs: a.cfg.Jobs, Retry: retry,
		Grace: a.cfg.Grace, Logger: a.logger(Scheduler), OnRun: a.observeJob})
	if err != nil {
		return err
	}
	if a.leader, err = a.sched.TryLease(); err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	if a.cfg.LeaseRequired && !a.leader {
		a.setState(Scheduler, "standby")
		a.logger(Scheduler).Info("standby: another process runs the scheduler and the stand-in on this data folder; none runs here",
			"state", a.sched.State().String())
		a.sched.Close()
		close(a.done)
		return nil
	}

	var sshL, httpL, metL net.Listener
	if a.cfg.HTTP != "" {
		httpL, err = listen(HTTP, a.cfg.HTTP)
		switch {
		case err != nil && a.cfg.HTTPOptional:
			a.skipped, err = err, nil
			a.setState(HTTP, "unavailable")
		case err != nil:
			return err
		default:
			listeners = append(listeners, httpL)
			a.addrs.HTTP = httpL.Addr().String()
			a.b.SetInstanceAddress(a.InstanceURL())
		}
	}
	if a.cfg.SSH != nil {
		cfg := *a.cfg.SSH
		if cfg.Logger == nil {
			cfg.Logger = a.logger(SSH)
		}
		if cfg.Listen == "" {
			cfg.Listen = "127.0.0.1:2222"
		}
		if cfg.PublicURL == "" {
			cfg.PublicURL = a.PublicURL()
		}
		if a.sshSrv, err = hssh.New(a.b, cfg); err != nil {
			return fmt.Errorf("%s: %w", titles[SSH], err)
		}
		if sshL, err = listen(SSH, cfg.Listen); err != nil {
			return err
		}
		listeners = append(listeners, sshL)
		a.addrs.SSH = sshL.Addr().String()
	}
	if a.cfg.Metrics != "" {
		if metL, err = listen(Metrics, a.cfg.Metrics); err != nil {
			return err
		}
		listeners = append(listeners, metL)
		a.addrs.Metrics = metL.Addr().String()
		a.met = newMetrics(a.b, func() *hssh.Server { return a.sshSrv }, func() *scheduler.Scheduler { return a.sched })
	}

	runCtx, cancel := context.WithCancel(ctx)
	a.cancel = cancel
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error {
		<-gctx.Done()
		if a.stopping.CompareAndSwap(false, true) {
			a.logger("app").Info("stopping", "grace", a.cfg.Grace)
		}
		return nil
	})
	if sshL != nil {
		a.runSSH(g, gctx, sshL)
	}
	if httpL != nil {
		// The process that runs the stand-in holds the hosted servers'
		// connections (see backend/connections.go).
		a.b.HoldConnections(true)
		h := standin.New(standin.Config{Backend: a.b, BaseURL: a.PublicURL(), Health: a.Health, ClientRate: a.cfg.ClientRate,
			EduConnectURL: a.cfg.EduConnectURL, Observe: a.observeHTTP, Logger: a.logger(HTTP)})
		a.runHTTP(g, gctx, HTTP, standin.NewServer(h, a.logger(HTTP)), httpL)
		if err := writeStandInURL(a.cfg.DataDir, a.PublicURL()); err != nil {
			a.logger(HTTP).Warn("cannot record the stand-in's URL in the data folder", "err", err)
		}
	}
	if metL != nil {
		srv := standin.NewServer(a.met.handler(a.logger(Metrics)), a.logger(Metrics))
		a.runHTTP(g, gctx, Metrics, srv, metL)
	}
	g.Go(func() error {
		err := a.sched.Run(gctx)
		a.setState(Scheduler, "stopped")
		a.logger(Scheduler).Info("stopped")
		if err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		return nil
	})
	go func() {
		err := g.Wait()
		cancel()
		if httpL != nil {
			os.Remove(filepath.Join(a.cfg.DataDir, StandInURLFile)) //nolint:errcheck // gone already is fine
		}
		a.mu.Lock()
		a.err = err
		a.mu.Unlock()
		if err != nil {
			a.logger("app").Error("stopped", "err", err)
		} else {
			a.logger("app").Info("stopped")
		}
		close(a.done)
	}()
	a.healthLines()
	return nil
}

// runSSH serves SSH in g until gctx ends, then shuts it down: consoles are
// told, uploads may finish within the grace.
func (a *App) runSSH(g *errgroup.Group, gctx context.Context, l net.Listener) {
	a.setState(SSH, "running")
	g.Go(func() error {
		if err := a.sshSrv.Serve(l); err != nil {
			return fmt.Errorf("%s on %s: %w", titles[SSH], a.addrs.SSH, err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		// The server's own grace bounds the uploads; the few seconds more
		// let the handlers it closed unwind.
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Grace+5*time.Second)
		defer cancel()
		err := a.sshSrv.Shutdown(ctx)
		l.Close()
		a.setState(SSH, "stopped")
		a.logger(SSH).Info("stopped")
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s shutdown: %w", titles[SSH], err)
		}
		return nil
	})
}

// runHTTP serves one HTTP listener in g until gctx ends, then lets its
// requests finish within the grace, and closes what is left.
func (a *App) runHTTP(g *errgroup.Group, gctx context.Context, component string, srv *http.Server, l net.Listener) {
	a.setState(component, "running")
	g.Go(func() error {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s on %s: %w", titles[component], l.Addr(), err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Grace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		l.Close()
		a.setState(component, "stopped")
		a.logger(component).Info("stopped")
		return nil
	})
}

// healthLines logs one line per component, as it started.
func (a *App) healthLines() {
	if a.sshSrv != nil {
		a.logger(SSH).Info("running", "addr", a.addrs.SSH, "host_key", a.sshSrv.Fingerprint())
	}
	switch {
	case a.addrs.HTTP != "":
		a.logger(HTTP).Info("running", "url", "http://"+a.addrs.HTTP+"/", "healthz", "http://"+a.addrs.HTTP+"/healthz")
		if a.b.Shared() && a.cfg.Advertise == "" {
			if host, _, err := net.SplitHostPort(a.addrs.HTTP); err == nil {
				if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
					a.logger(HTTP).Warn("instances on other machines cannot reach this one at a loopback address: give --advertise",
						"advertised", a.InstanceURL())
				}
			}
		}
	case a.skipped != nil:
		a.logger(HTTP).Warn("not running: the stand-in's address is taken", "err", a.skipped)
	}
	if a.addrs.Metrics != "" {
		a.logger(Metrics).Info("running", "url", "http://"+a.addrs.Metrics+"/metrics")
	}
	st := a.sched.State()
	if st.Active {
		a.logger(Scheduler).Info("active", "jobs", len(st.Jobs), "lease", st.Where)
	} else if a.b.Shared() {
		// Several instances on one database: all but one stand by.
		a.logger(Scheduler).Info("standby: another instance runs the jobs; this one takes over if its lease expires",
			"holder", st.Holder, "lease", st.Where)
	} else {
		a.logger(Scheduler).Warn("standby: another process holds the scheduler's lease; no job runs here until it is free",
			"holder", st.Holder, "lease", st.Where)
	}
}

func (a *App) setState(component, state string) {
	a.mu.Lock()
	a.states[component] = state
	a.mu.Unlock()
}

// Addrs are the bound addresses.
func (a *App) Addrs() Addrs { return a.addrs }

// PublicURL is the base URL of the stand-in this app runs, as consoles show
// it, "" when none runs.
func (a *App) PublicURL() string {
	switch {
	case a.addrs.HTTP == "":
		return ""
	case a.cfg.PublicURL != "":
		return strings.TrimRight(a.cfg.PublicURL, "/")
	}
	return "http://" + a.addrs.HTTP
}

// InstanceURL is where the other instances on the database reach this
// one's stand-in: Config.Advertise, else the stand-in's bound address, the
// host name standing for an address that is every interface's.
func (a *App) InstanceURL() string {
	if a.cfg.Advertise != "" {
		return strings.TrimRight(a.cfg.Advertise, "/")
	}
	host, port, err := net.SplitHostPort(a.addrs.HTTP)
	if err != nil {
		return "http://" + a.addrs.HTTP
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Leader reports whether this process got the scheduler lock at start.
func (a *App) Leader() bool { return a.leader }

// HTTPUnavailable is why the stand-in does not run (HTTPOptional and its
// address taken), nil when it runs or was not asked for.
func (a *App) HTTPUnavailable() error { return a.skipped }

// SSHServer is the SSH server, nil when none runs.
func (a *App) SSHServer() *hssh.Server { return a.sshSrv }

// SchedulerState is the scheduler's state now.
func (a *App) SchedulerState() scheduler.State { return a.sched.State() }

// Health is each component's state, for /healthz; "stopping" once the stop
// has begun.
func (a *App) Health() standin.Health {
	h := standin.Health{Status: "ok"}
	if a.stopping.Load() {
		h.Status = "stopping"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.states[SSH]; ok {
		h.Components = append(h.Components, standin.Component{Name: SSH, State: s, Addr: a.addrs.SSH})
	}
	if s, ok := a.states[HTTP]; ok {
		c := standin.Component{Name: HTTP, State: s, Addr: a.addrs.HTTP}
		if a.skipped != nil {
			c.Detail = "address " + a.cfg.HTTP + " taken"
		}
		h.Components = append(h.Components, c)
	}
	if s, ok := a.states[Metrics]; ok {
		h.Components = append(h.Components, standin.Component{Name: Metrics, State: s, Addr: a.addrs.Metrics})
	}
	if a.sched != nil {
		// No path nor process in the details: /healthz is on the public
		// listener.
		st := a.sched.State()
		c := standin.Component{Name: Scheduler, State: "standby", Detail: "another process holds the scheduler lock; no job runs here"}
		switch {
		case a.states[Scheduler] == "stopped" || st.Stopped:
			c.State, c.Detail = "stopped", ""
		case st.Active:
			c.State, c.Detail = "active", fmt.Sprintf("%d job(s)", len(st.Jobs))
		}
		h.Components = append(h.Components, c)
	}
	return h
}

// Wait blocks until every component has stopped and returns the first
// error of one that failed (nil after a stop asked by the context or
// Shutdown).
func (a *App) Wait() error {
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Shutdown stops every component, as the end of Start's context does, and
// waits for them, or for ctx.
func (a *App) Shutdown(ctx context.Context) error {
	if a.cancel != nil {
		a.cancel()
	}
	select {
	case <-a.done:
		return a.Wait()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *App) observeHTTP(route string, code int, d time.Duration) {
	if a.met != nil {
		a.met.observeHTTP(route, code, d)
	}
}

func (a *App) observeJob(job, outcome string, d time.Duration) {
	if a.met != nil {
		a.met.observeJob(job, outcome, d)
	}
	if outcome == scheduler.OutcomeOK { // failures are the scheduler's own lines
		a.logger(Scheduler).Info("job done", "job", job, "took", d.Round(time.Millisecond), "did", a.b.JobReport(job))
	}
}

// StandInURLFile, in the data folder, holds the public URL of the stand-in
// a process runs for it, while it runs: a console beside that process (which
// holds the scheduler lock, so the console runs no stand-in of its own) reads
// it to show the establishment's addresses.
const StandInURLFile = "standin.url"

func writeStandInURL(dir, url string) error {
	tmp := filepath.Join(dir, StandInURLFile+".tmp")
	if err := os.WriteFile(tmp, []byte(url+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, StandInURLFile))
}

// StandInURL is the public URL recorded in dir by the process that runs its
// stand-in, "" when none is recorded or it does not read as one.
func StandInURL(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, StandInURLFile))
	if err != nil || len(b) > 2048 {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(string(b)))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsFunc(u.String(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return strings.TrimRight(u.String(), "/")
}
