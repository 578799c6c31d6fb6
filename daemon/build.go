package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Build makes the daemon's dependencies from a configuration: the catalog
// (with the user's file), the store, the log source (stdin is read when
// log.stdin is set), the notice sinks, the DNS resolver, the metrics
// endpoint and the milter (which writes to the store on its own). close
// releases them, the milter before the store.
func Build(ctx context.Context, cfg *config.Config, log *zap.Logger, stdin io.Reader) (d Deps, close func(), err error) {
	var closers []func()
	close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			close()
		}
	}()
	d = Deps{Config: cfg, Log: log}
	if d.Host, err = HostName(ctx, cfg.HostName); err != nil || d.Host == "" {
		return d, close, fmt.Errorf("daemon: no host name (set host_name): %v", err)
	}
	if d.Catalog, err = classify.LoadFile(cfg.Catalog.File, config.MaxCatalogSize); err != nil {
		return d, close, err
	}
	// What config check refuses of dnsbl.zones, run refuses too.
	for _, p := range ZoneProblems(d.Catalog, cfg.DNSBL) {
		if !p.Warning {
			return d, close, fmt.Errorf("daemon: %s: %s", p.Key, p.Msg)
		}
		log.Warn("configuration", zap.String("problem", p.Key+": "+p.Msg))
	}
	// One daemon per state: the lock comes before the store is touched.
	lock, err := LockState(cfg.State.Path, d.Host, time.Now())
	if err != nil {
		return d, close, err
	}
	closers = append(closers, lock.Unlock)
	log.Info("state locked", zap.String("lock", lock.Path()))
	if err = RecoverState(cfg.State.Path, log); err != nil {
		return d, close, err
	}
	// The file too (the same file under another name), before SQLite
	// opens it; released after the store is closed.
	if err = lock.HoldFile(cfg.State.Path); err != nil {
		return d, close, err
	}
	if d.Store, err = track.Open(cfg.State.Path, log.Named("store")); err != nil {
		return d, close, err
	}
	if d.StateWatch, err = WatchState(d.Store.Path(), log); err != nil {
		d.Store.Close()
		if errors.Is(err, fs.ErrNotExist) { // deleted since the store opened it
			if rerr := removeLeftovers(d.Store.Path()); rerr != nil {
				return d, close, fmt.Errorf("daemon: removing what the lost state left: %w", rerr)
			}
			return d, close, lostAtStart(d.Store.Path(), false, log)
		}
		return d, close, err
	}
	closers = append(closers, d.StateWatch.Finish) // once the store is closed
	closers = append(closers, func() { d.Store.Close() })
	if d.Source, d.SourceName, err = source(cfg.Log, log.Named("logwatch"), stdin); err != nil {
		return d, close, err
	}
	if files := cfg.Log.Files(); len(files) > 1 {
		if d.Inputs, err = fileInputs(cfg.Log, files, log.Named("logwatch")); err != nil {
			return d, close, err
		}
		d.SourceName = "files:" + strings.Join(files, ",")
	}
	d.Sinks = sinks(cfg, d.Host)
	d.QueueLifetime = QueueLifetime(ctx)
	host := d.Host
	d.NewSinks = func(c *config.Config) map[string]notify.Transport { return sinks(c, host) }
	if d.Resolver, err = resolver(cfg.DNSBL, log); err != nil {
		log.Warn("DNS checks are off", zap.Error(err))
		err = nil
	}
	d.NewResolver = func(c config.DNSBL) (*dnsbl.Resolver, error) { return resolver(c, log) }
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.Metrics = NewMetrics(reg)
	if addr := cfg.Metrics.Listen; addr != "" {
		stop, err := serveMetrics(addr, reg, log)
		if err != nil {
			return d, close, err
		}
		closers = append(closers, stop)
	}
	if cfg.Milter.Listen != "" {
		_, stop, err := startMilter(cfg.Milter, d.Store, reg, log.Named("milter"))
		if err != nil {
			return d, close, err
		}
		closers = append(closers, stop)
	}
	return d, close, nil
}

// source returns the configured log source and the name its position is
// stored under.
func source(c config.Log, log *zap.Logger, stdin io.Reader) (Source, string, error) {
	loc, err := c.Location()
	if err != nil {
		return nil, "", fmt.Errorf("daemon: %w", err)
	}
	switch c.Source() {
	case config.SourceJournald:
		// Without units, the mail facility: every Postfix instance and
		// program, whatever unit runs it (see logwatch.DefaultJournalMatch).
		var matches []string
		for _, u := range c.Journald.Units {
			matches = append(matches, "_SYSTEMD_UNIT="+u)
		}
		return func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			since, _ := backfill(c.Backfill, loc)
			return logwatch.FollowJournal(ctx, start, logwatch.JournalOptions{Matches: matches, Location: loc, Log: log, Since: since})
		}, "journald", nil
	case config.SourceStdin:
		return func(ctx context.Context, _ *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return logwatch.Stream(ctx, stdin, logwatch.StreamOptions{Log: log})
		}, "stdin", nil
	}
	path := c.Path
	return func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
		// End marks: the daemon reads a backlog on the log's time until
		// the follower says it reached the end.
		since, timeOf := backfill(c.Backfill, loc)
		return logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: path, Log: log, EndMarks: true, Gather: liveGather, Buffer: batchMax, Since: since, TimeOf: timeOf})
	}, "file:" + path, nil
}

// backfill returns where a start without a position reads back from
// (log.backfill before now; zero for none) and how to read a line's time.
func backfill(window time.Duration, loc *time.Location) (time.Time, logwatch.TimeOf) {
	if window <= 0 {
		return time.Time{}, nil
	}
	now := time.Now()
	p := postfixlog.NewParser(now, loc)
	var r postfixlog.Record
	return now.Add(-window), func(line []byte) (time.Time, bool) {
		_ = p.Parse(string(line), &r) // lines of other programs have a time too
		return r.Time, !r.Time.IsZero()
	}
}

// sinks returns the transports of the configured channels: email (SMTP or
// sendmail), and the webhook and Alertmanager when configured.
func sinks(cfg *config.Config, host string) map[string]notify.Transport {
	n := cfg.Notify
	out := map[string]notify.Transport{}
	if n.Transport() == "sendmail" {
		out[SinkEmail] = &notify.Sendmail{Path: n.Sendmail, From: n.Sender(host).Address}
	} else {
		out[SinkEmail] = &notify.SMTP{Addr: n.SMTP, From: n.Sender(host).Address, HeloName: host, TLS: n.TLS(),
			Username: n.Username, Password: string(n.Password)}
	}
	if n.Webhook.URL != "" {
		out[SinkWebhook] = &notify.Webhook{URL: string(n.Webhook.URL)}
	}
	if len(n.Alertmanager.URLs) > 0 {
		out[SinkAlertmanager] = &notify.Alertmanager{URLs: slices.Clone(n.Alertmanager.URLs)}
	}
	return out
}

// resolver returns the DNS resolver for listing checks (see ResolverAddr).
// A public resolver is refused by most lists: it is used (DQS works through
// it) but warned about.
func resolver(c config.DNSBL, log *zap.Logger) (*dnsbl.Resolver, error) {
	addr, err := ResolverAddr(c.Resolver)
	if err != nil {
		return nil, err
	}
	if op, public := dnsbl.PublicResolver(addr); public {
		log.Warn("the DNS resolver is a public one; most lists refuse its queries (answers will read as errors, never as listings)",
			zap.String("resolver", addr), zap.String("operator", op))
	}
	return &dnsbl.Resolver{Server: addr, Timeout: c.Timeout, Cache: dnsbl.NewCache(10000, dnsbl.DefaultCacheMaxTTL)}, nil
}

// ResolverAddr returns the "ip:port" of the resolver for DNSBL queries: the
// configured one, else the first nameserver of /etc/resolv.conf.
func ResolverAddr(configured string) (string, error) {
	if configured != "" {
		return dnsbl.ServerAddr(configured)
	}
	data, err := config.ReadFile("/etc/resolv.conf", 64<<10)
	if err != nil {
		return "", fmt.Errorf("no resolver configured and %w", err)
	}
	servers, err := dnsbl.ParseResolvConf(data)
	if err != nil || len(servers) == 0 {
		return "", fmt.Errorf("no resolver configured and none in /etc/resolv.conf: %v", err)
	}
	return dnsbl.ServerAddr(servers[0])
}

// metricsHandler serves reg's metrics. A collector that fails (the outbox
// backlog, read from the store at scrape time) loses its own series for
// that scrape, logged, and the rest is served: a failed scrape would make
// Prometheus take the host for down, resolve its firing alerts and fire
// RblwatchDown.
func metricsHandler(reg prometheus.Gatherer, log *zap.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      zapPrintln{log},
	})
}

// zapPrintln is promhttp's error log on a zap logger.
type zapPrintln struct{ log *zap.Logger }

func (z zapPrintln) Println(v ...any) {
	z.log.Warn("serving metrics", zap.String("error", strings.TrimSpace(fmt.Sprintln(v...))))
}

// serveMetrics serves /metrics on addr until the returned stop is called.
func serveMetrics(addr string, reg *prometheus.Registry, log *zap.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("daemon: metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(reg, log))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", zap.Error(err))
		}
	}()
	log.Info("serving metrics", zap.String("addr", ln.Addr().String()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
