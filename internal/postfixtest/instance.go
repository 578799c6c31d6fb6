package postfixtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/internal/testproc"
)

// Sentinel errors.
var (
	// ErrUnavailable: this machine cannot run the bench (no Postfix, not
	// root, no unshare).
	ErrUnavailable = errors.New("postfixtest: real Postfix unavailable")
	ErrBadOptions  = errors.New("postfixtest: bad options")
	ErrStart       = errors.New("postfixtest: starting postfix")
	ErrTimeout     = errors.New("postfixtest: timed out")
	// ErrPortTaken: a port of Options.Services (the test's choice) was
	// taken by another process before the master bound it; the test may
	// start again on another. (The smtpd port, postfixtest's own choice,
	// is picked again without the test's help.)
	ErrPortTaken = errors.New("postfixtest: a port the test picked is taken by another process")
)

// RequireEnv is the environment variable that turns a skip into a failure:
// RBLWATCH_E2E=require (CI sets it).
const RequireEnv = testenv.RequireEnv

// Options configure an instance. The zero value is usable: mail to every
// domain bounces with "no fake remote" until Routes say where it goes.
type Options struct {
	// Routes send mail for recipient domains to fake remotes. Route the
	// senders' domain too, or the bounces Postfix sends them bounce again.
	Routes []Route
	// Hostname is myhostname; the log's host field is its first label.
	// Default "mail.example.test".
	Hostname string
	// SendingIP is the address Postfix's SMTP client sends from
	// (smtp_bind_address): the IP a fake remote sees and names in its
	// replies ({ip}). Default 127.0.0.10.
	SendingIP string
	// Nameserver is the only nameserver in Postfix's private resolv.conf.
	// It must be a loopback address; default 127.0.0.1 (nobody answers
	// there, so every lookup fails fast). Point it at rbldnsd to test
	// DNSBL checks.
	Nameserver string
	// Milter is wired as smtpd_milters and non_smtpd_milters
	// ("inet:127.0.0.1:8891"); SMTPDMilters, when set, replaces it for
	// smtpd only.
	Milter       string
	SMTPDMilters string
	// MilterDefaultAction is milter_default_action; default "accept".
	MilterDefaultAction string
	// Retry, when positive, makes Postfix retry deferred mail by itself
	// about that often. Zero: only Flush retries, so the log holds exactly
	// the deferrals the test caused.
	Retry time.Duration
	// Main holds extra main.cf parameters; they override the defaults.
	Main map[string]string
	// Services are extra master.cf entries, appended as they are (a second
	// smtpd on another loopback port that a content filter re-injects
	// into, with its -o overrides). A port there that another process
	// holds fails the start with ErrPortTaken (TryStart): pick another.
	Services string
	// Dir is the instance directory, which must not exist yet (it is
	// created, and removed by Close). Default: a fresh directory
	// DirPrefix(os.Getpid())+random.
	Dir string
	// Timeout bounds each wait: start, stop, WaitLog, Sendmail. Default 30s.
	Timeout time.Duration
	// Logf, when set, is told what the instance does (t.Logf in Start).
	Logf func(format string, args ...any)
}

// Instance is a running private Postfix.
type Instance struct {
	cfg     config
	timeout time.Duration
	logf    func(string, ...any)
	master  int
	version string

	stopOnce  sync.Once
	stopErr   error
	closeOnce sync.Once
	closeErr  error
}

// Available reports whether this machine can run an instance; the error
// wraps ErrUnavailable and says what is missing.
func Available() error {
	for _, bin := range []string{"postfix", "postconf", "postqueue", "sendmail"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err := os.Stat("/usr/sbin/" + bin); err != nil {
				return fmt.Errorf("%w: %s is not installed (apt-get install postfix; see .ci/setup)", ErrUnavailable, bin)
			}
		}
	}
	if _, err := os.Stat("/usr/lib/postfix/sbin/master"); err != nil {
		return fmt.Errorf("%w: /usr/lib/postfix/sbin/master is missing (Debian's postfix package expected)", ErrUnavailable)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return fmt.Errorf("%w: unshare is not installed (util-linux): it keeps Postfix's DNS on loopback", ErrUnavailable)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: tests that run Postfix need root (uid %d)", ErrUnavailable, os.Geteuid())
	}
	if _, err := user.Lookup("postfix"); err != nil {
		return fmt.Errorf("%w: no postfix user: %v", ErrUnavailable, err)
	}
	return nil
}

// Start starts an instance for a test and stops it in t.Cleanup. It skips
// the test when the machine cannot run Postfix, or fails it when
// RBLWATCH_E2E=require.
func Start(t testing.TB, opts Options) *Instance {
	t.Helper()
	in, err := TryStart(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TryStart is Start that returns a start error (ErrPortTaken: try again
// with other Options.Services ports) instead of failing the test. The
// instance is closed in t.Cleanup all the same; Close closes it at once.
func TryStart(t testing.TB, opts Options) (*Instance, error) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv(RequireEnv) == "require" {
			t.Fatalf("%v (%s=require)", err, RequireEnv)
		}
		t.Skipf("%v (set %s=require to make this a failure)", err, RequireEnv)
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	in, err := New(opts)
	if in != nil {
		t.Cleanup(func() {
			if err := in.Close(); err != nil {
				t.Errorf("stopping postfix: %v", err)
			}
		})
	}
	if err != nil {
		return nil, err
	}
	t.Logf("postfix %s running: log %s, smtpd %s, config %s", in.Version(), in.LogPath(), in.SMTPAddr(), in.ConfigDir())
	return in, nil
}

// New starts an instance; the caller must Close it. On a start error the
// returned instance, when not nil, must still be closed to clean up.
func New(opts Options) (*Instance, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	cfg, err := configFrom(opts)
	if err != nil {
		return nil, err
	}
	in := &Instance{cfg: cfg, timeout: opts.Timeout, logf: opts.Logf}
	if in.timeout <= 0 {
		in.timeout = 30 * time.Second
	}
	if in.logf == nil {
		in.logf = func(string, ...any) {}
	}
	if opts.Dir != "" {
		if err := os.Mkdir(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: creating %s: %w", ErrStart, opts.Dir, err)
		}
		in.cfg.layout = newLayout(opts.Dir)
	} else {
		dir, err := os.MkdirTemp("/tmp", strings.TrimPrefix(DirPrefix(os.Getpid()), "/tmp/")+"*")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStart, err)
		}
		in.cfg.layout = newLayout(dir)
	}
	if err := in.start(); err != nil {
		return in, err
	}
	return in, nil
}

// configFrom fills in defaults and validates.
func configFrom(o Options) (config, error) {
	c := config{
		Hostname:            o.Hostname,
		Routes:              o.Routes,
		Milter:              o.Milter,
		SMTPDMilters:        o.SMTPDMilters,
		MilterDefaultAction: o.MilterDefaultAction,
		Retry:               o.Retry,
		Main:                o.Main,
		Services:            o.Services,
	}
	if c.Hostname == "" {
		c.Hostname = "mail.example.test"
	}
	var err error
	if c.SendingIP, err = parseAddr(o.SendingIP, "127.0.0.10"); err != nil {
		return c, err
	}
	if c.Nameserver, err = parseAddr(o.Nameserver, "127.0.0.1"); err != nil {
		return c, err
	}
	return c, c.check()
}

func parseAddr(s, def string) (netip.Addr, error) {
	if s == "" {
		s = def
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return a, nil
}

func (in *Instance) start() error {
	c := &in.cfg
	pf, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}
	uid, _ := strconv.Atoi(pf.Uid)
	gid, _ := strconv.Atoi(pf.Gid)
	// The instance directory is traversed by Postfix's unprivileged daemons.
	if err := os.Chmod(c.Root, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}
	// Modes set explicitly, whatever the umask of the test (077 made the
	// queue directory one Postfix's daemons cannot enter).
	for _, d := range []string{c.Conf, c.Queue, c.Data} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("%w: %w", ErrStart, err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("%w: %w", ErrStart, err)
		}
	}
	if err := os.Chown(c.Data, uid, gid); err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}
	if err := os.Chmod(c.Data, 0o700); err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}
	// The smtpd port was free a moment ago; another process (a test
	// running beside this one) may take it before the master binds it.
	// Then the master cannot start, or the port's listener is not ours:
	// start again on another port, never hand out an instance whose smtpd
	// address leads to someone else's Postfix.
	for attempt := 1; ; attempt++ {
		err := in.startOn()
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return err
		}
		in.logf("%v: starting again on another port", err)
	}
}

// takenService returns the first HOST:PORT of an inet service in Services
// that another process holds, or "". The master, which binds them after
// the postlog service, exits without a word in the log when one is taken.
func (c config) takenService() string {
	for _, line := range strings.Split(c.Services, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[1] != "inet" || line[0] == ' ' || line[0] == '\t' || !strings.Contains(f[0], ":") {
			continue
		}
		ln, err := net.Listen("tcp", f[0])
		if errors.Is(err, syscall.EADDRINUSE) {
			return f[0]
		}
		if err == nil {
			ln.Close()
		}
	}
	return ""
}

// startAttempts bounds the starts on a port taken meanwhile.
const startAttempts = 5

// errPortTaken: another process took the smtpd port before the master.
var errPortTaken = errors.New("postfixtest: smtpd port taken by another process")

// freeSMTPD picks the smtpd address; a test replaces it to hand out a
// port that is taken.
var freeSMTPD = func() (netip.AddrPort, error) { return testproc.FreeAddr("tcp", "127.0.0.1") }

// startOn writes the configuration with a newly picked smtpd port and
// starts the master; errPortTaken when another process holds that port.
func (in *Instance) startOn() error {
	c := &in.cfg
	var err error
	if c.SMTPD, err = freeSMTPD(); err != nil {
		return fmt.Errorf("%w: choosing the smtpd port: %w", ErrStart, err)
	}
	files := map[string]string{
		c.Conf + "/main.cf":   c.mainCF(),
		c.Conf + "/master.cf": c.masterCF(),
		c.Conf + "/transport": c.transport(),
		c.Hosts:               c.hosts(),
		c.Resolv:              c.resolvConf(),
	}
	// Postfix commands pause about 2 s when main.cf was modified in the
	// last moments (to let an editor finish); a back-dated file saves that
	// on every start.
	old := time.Now().Add(-time.Hour)
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return fmt.Errorf("%w: %w", ErrStart, err)
		}
		if err := os.Chmod(name, 0o644); err != nil { // read by unprivileged daemons
			return fmt.Errorf("%w: %w", ErrStart, err)
		}
		if err := os.Chtimes(name, old, old); err != nil {
			return fmt.Errorf("%w: %w", ErrStart, err)
		}
	}
	if out, err := in.run("postconf", "-c", c.Conf, "-h", "mail_version"); err == nil {
		in.version = strings.TrimSpace(string(out))
	}
	// "postfix check" creates the queue directories with their owners and
	// modes, and reports configuration errors (a bad maillog_file makes
	// "postfix start" exit 1 with no message anywhere).
	if out, err := in.run("postfix", "-c", c.Conf, "check"); err != nil {
		return fmt.Errorf("%w: postfix check: %w: %s", ErrStart, err, out)
	}
	// A private mount namespace: the master and all its children see our
	// resolv.conf and hosts files as /etc/resolv.conf and /etc/hosts, so
	// every lookup Postfix makes stays on loopback. The host's files are
	// untouched, and the bind mounts vanish with the last process.
	script := `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && exec postfix -c "$3" start`
	if out, err := in.run("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", c.Resolv, c.Hosts, c.Conf); err != nil {
		err = fmt.Errorf("%w: postfix start (in a private mount namespace): %w: %s", ErrStart, err, out)
		log, _ := os.ReadFile(c.Log)
		if bytes.Contains(log, []byte(fmt.Sprintf("fatal: bind %s port %d: Address already in use", c.SMTPD.Addr(), c.SMTPD.Port()))) {
			err = fmt.Errorf("%w: %s: %w", errPortTaken, c.SMTPD, err)
		} else if addr := c.takenService(); addr != "" {
			err = fmt.Errorf("%w: %s: %w", ErrPortTaken, addr, err)
		}
		return err
	}
	pidText, err := os.ReadFile(c.Queue + "/pid/master.pid")
	if err != nil {
		return fmt.Errorf("%w: reading the master pid: %w", ErrStart, err)
	}
	in.master, err = strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		return fmt.Errorf("%w: master pid %q: %w", ErrStart, pidText, err)
	}
	var inode string
	if err := in.waitFor("smtpd listening on "+c.SMTPD.String(), func() bool {
		table, err := os.ReadFile("/proc/net/tcp")
		if err == nil {
			inode = testproc.ListenerInode(table, c.SMTPD)
		}
		return inode != ""
	}); err != nil {
		return err
	}
	// The master holds its services' listening sockets.
	if !testproc.HoldsSocket(in.master, inode) {
		if err := in.Stop(); err != nil {
			return err
		}
		in.stopOnce, in.stopErr = sync.Once{}, nil
		return fmt.Errorf("%w: %s is not the master's (%d)", errPortTaken, c.SMTPD, in.master)
	}
	return nil
}

// run runs a Postfix command and returns its combined output.
func (in *Instance) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), in.timeout)
	defer cancel()
	return in.runStdin(ctx, nil, name, args...)
}

func (in *Instance) runStdin(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		path = "/usr/sbin/" + name
	}
	cmd := exec.CommandContext(ctx, path, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	in.logf("postfixtest: %s %s", name, strings.Join(args, " "))
	return cmd.CombinedOutput()
}

// waitFor polls cond until it holds or the instance's timeout passes. It
// waits on processes outside this one (Postfix), which offer no event to
// wait on.
func (in *Instance) waitFor(what string, cond func() bool) error {
	return pollUntil(in.timeout, what, cond)
}

func pollUntil(timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %v waiting for %s", ErrTimeout, timeout, what)
		}
		<-tick.C
	}
	return nil
}

// Version is Postfix's mail_version ("3.7.11").
func (in *Instance) Version() string { return in.version }

// LogPath is the maillog_file Postfix writes.
func (in *Instance) LogPath() string { return in.cfg.Log }

// ConfigDir is the config_directory, for "postfix -c", "postqueue -c" and
// "sendmail -C".
func (in *Instance) ConfigDir() string { return in.cfg.Conf }

// QueueDir is the queue_directory.
func (in *Instance) QueueDir() string { return in.cfg.Queue }

// Dir is the instance directory that Close removes.
func (in *Instance) Dir() string { return in.cfg.Root }

// SMTPAddr is where smtpd listens: "127.0.0.1:PORT".
func (in *Instance) SMTPAddr() string { return in.cfg.SMTPD.String() }

// Hostname is myhostname.
func (in *Instance) Hostname() string { return in.cfg.Hostname }

// SendingIP is the address the SMTP client sends from.
func (in *Instance) SendingIP() string { return in.cfg.SendingIP.String() }

// MasterPID is the pid of the Postfix master (0 before it started).
func (in *Instance) MasterPID() int { return in.master }

// Stop stops Postfix and waits until the master and every process of the
// instance are gone (zombies count as gone), killing stragglers. The
// directory and the log stay until Close. Safe to call more than once.
func (in *Instance) Stop() error {
	in.stopOnce.Do(func() { in.stopErr = in.stop() })
	return in.stopErr
}

// Close stops Postfix (Stop) and removes the instance directory. It reports
// anything left behind. Safe to call more than once.
func (in *Instance) Close() error {
	in.closeOnce.Do(func() {
		err := in.Stop()
		if in.cfg.Root != "" {
			if rerr := os.RemoveAll(in.cfg.Root); rerr != nil {
				err = errors.Join(err, fmt.Errorf("removing %s: %w", in.cfg.Root, rerr))
			}
		}
		in.closeErr = err
	})
	return in.closeErr
}

func (in *Instance) stop() error {
	var errs []error
	c := in.cfg
	if in.master > 0 && alive(in.master) {
		if out, err := in.run("postfix", "-c", c.Conf, "stop"); err != nil {
			errs = append(errs, fmt.Errorf("postfix stop: %w: %s", err, out))
		}
		if err := pollUntil(10*time.Second, "the master to exit", func() bool { return !alive(in.master) }); err != nil {
			in.logf("postfixtest: master %d still runs after stop: killing it", in.master)
			_ = syscall.Kill(in.master, syscall.SIGKILL)
		}
	}
	if c.Conf == "" {
		return errors.Join(errs...)
	}
	// The master's children run in its process group; sendmail's postdrop
	// and anything started outside it carry the instance's MAIL_CONFIG.
	mine := func(p proc) bool {
		return (in.master > 0 && p.PGID == in.master) || mailConfig(p.PID) == c.Conf
	}
	if err := pollUntil(3*time.Second, "the postfix daemons to exit", func() bool { return len(procs(mine)) == 0 }); err != nil {
		for _, p := range procs(mine) {
			in.logf("postfixtest: killing straggler %d (%s)", p.PID, p.Comm)
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
		if err := pollUntil(5*time.Second, "killed daemons to exit", func() bool { return len(procs(mine)) == 0 }); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
