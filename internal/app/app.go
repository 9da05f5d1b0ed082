// Package app wires mamori together: storage, first start, the web UI, the
// API and operations endpoints. It holds no domain logic of its own.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"mamori/internal/api"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/firststart"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/metrics"
	"mamori/internal/web"
)

// Config is everything mamori is started with, from flags and MAMORI_*
// environment variables. Nothing reads configuration from globals.
type Config struct {
	DataDir       string
	Addr          string
	DatabaseURL   string
	AdminPassword string // used only on first start
	OrgName       string // used only on first start
	// SecureCookies marks cookies Secure; set it when mamori is reached over
	// HTTPS through a proxy. Direct TLS requests get Secure cookies anyway.
	SecureCookies bool
	// ScanCommand, when set, is run on every uploaded evidence file before
	// it is accepted (for example "clamdscan --no-summary -"): see
	// evidence.Scanner. Added for evidence files (issue 5).
	ScanCommand string
	Version     string
	Logger      *slog.Logger
	Stderr      io.Writer // where a generated admin password is printed once
}

// App is a running mamori.
type App struct {
	cfg     Config
	DB      *db.DB
	Catalog *i18n.Catalog
	Metrics *metrics.Registry
	log     *slog.Logger
	scanner *evidence.Scanner // nil: uploads are not scanned
}

// OpenDB opens and migrates storage; the command-line tools use it alone.
func OpenDB(ctx context.Context, cfg db.Config) (*db.DB, error) {
	d, err := db.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Open prepares storage (migrating it and, on first start, creating the
// organisation and the admin account) and the components that serve.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	d, err := OpenDB(ctx, db.Config{DataDir: cfg.DataDir, URL: cfg.DatabaseURL})
	if err != nil {
		return nil, err
	}
	if err := firststart.Bootstrap(ctx, d, cfg.OrgName, cfg.AdminPassword, cfg.Stderr); err != nil {
		d.Close()
		return nil, err
	}
	cat, err := i18n.Load()
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot load message catalogue: %w", err)
	}
	scanner, err := evidence.NewScanner(cfg.ScanCommand)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot use the scan command: %w", err)
	}
	if scanner != nil {
		cfg.Logger.Info("evidence files are scanned before they are accepted", "command", scanner.String())
	}
	return &App{cfg: cfg, DB: d, Catalog: cat, Metrics: metrics.New(cfg.Version), log: cfg.Logger, scanner: scanner}, nil
}

// Close releases storage.
func (a *App) Close() error { return a.DB.Close() }

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /metrics", a.Metrics.Handler(a.DB.SQL().Stats))
	mux.Handle("/api/", api.New(api.Config{DB: a.DB, Catalog: a.Catalog, Logger: a.log}))
	mux.Handle("/", web.New(web.Config{DB: a.DB, Catalog: a.Catalog, Logger: a.log, SecureCookies: a.cfg.SecureCookies}))
	var h http.Handler = mux
	// Every upload, of any page or API route, is scanned by the same command.
	h = evidence.Middleware(a.scanner, h)
	// Metrics label requests by the pattern the innermost ServeMux matched.
	h = a.Metrics.Middleware(nil, h)
	h = httpx.SecurityHeaders(h)
	h = httpx.RequestIDMiddleware(h)
	return h
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.SQL().PingContext(ctx); err != nil {
		a.log.Error("health check failed", "request_id", httpx.RequestID(r.Context()), "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// Serve listens on the configured address until ctx ends, then stops
// accepting and lets in-flight requests finish (up to 30 s).
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", a.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("mamori is serving", "addr", ln.Addr().String(), "database", string(a.DB.Dialect()), "version", a.cfg.Version)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("cannot shut down cleanly: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
