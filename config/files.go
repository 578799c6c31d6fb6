package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkFiles looks at the files the configuration names (Load only): it
// reads the password file into Notify.Password and reports files that are
// missing, unreadable or readable by everyone although they hold secrets.
func (d *decoder) checkFiles(c *Config) {
	if d.mode&0o004 != 0 && (c.Notify.Password != "" || c.Notify.Webhook.URL != "" || c.DNSBL.DQSKey != "" || c.DNSBL.AbusixKey != "") {
		d.problem(0, "", true, "the file holds secrets and every user can read it (mode %04o): chmod 640 and chgrp rblwatch", d.mode.Perm())
	}
	if p := c.Notify.PasswordFile; p != "" {
		data, err := d.files.ReadFile(p, maxPasswordSize)
		if err != nil {
			d.errorf("notify.password_file", "%s", fileProblem(p, err))
		} else {
			pw := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
			switch {
			case pw == "":
				d.errorf("notify.password_file", "%s is empty", p)
			case strings.ContainsAny(pw, "\r\n\x00"):
				d.errorf("notify.password_file", "%s holds more than one line", p)
			default:
				c.Notify.Password = Secret(pw)
			}
			if fi, err := d.files.Stat(p); err == nil && fi.Mode()&0o004 != 0 {
				d.warnf("notify.password_file", "every user can read %s (mode %04o): chmod 640", p, fi.Mode().Perm())
			}
		}
	}
	if p := c.Catalog.File; p != "" {
		if _, err := d.files.ReadFile(p, MaxCatalogSize); err != nil {
			d.errorf("catalog.file", "%s", fileProblem(p, err))
		}
	}
	if p := c.Notify.Sendmail; p != "" {
		fi, err := d.files.Stat(p)
		switch {
		case err != nil:
			d.errorf("notify.sendmail", "%s", fileProblem(p, err))
		case !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0:
			d.errorf("notify.sendmail", "%s is not an executable file", p)
		}
	}
	if c.Log.Source() == SourceFile && c.State.Path != "" && !d.bad["state.path"] {
		// The same file under another name (a link): see
		// validateStateApart.
	links:
		for _, w := range stateWrites(c.State.Path) {
			wi, err := d.files.Stat(w)
			if err != nil {
				continue
			}
			for _, l := range c.Log.Files() {
				if filepath.Clean(l) == filepath.Clean(w) {
					continue // the same path: validateStateApart said so
				}
				if li, err := d.files.Stat(l); err == nil && os.SameFile(wi, li) {
					d.errorf("state.path", "%s would write over the log file %s (the same file): the state needs a file of its own", c.State.Path, l)
					break links
				}
			}
		}
	}
	if c.Log.Source() == SourceFile {
		// A named pipe, a directory, a device: no log file to follow (a
		// pipe's open waited for a writer, deaf to SIGTERM).
		for i, p := range c.Log.Files() {
			key := "log.path"
			if len(c.Log.Paths) > 0 {
				key = fmt.Sprintf("log.paths[%d]", i)
			}
			fi, err := d.files.Stat(p)
			switch {
			case err == nil && !fi.Mode().IsRegular():
				d.errorf(key, "%s is not a regular file (%s): rblwatch follows a log file; read a pipe with log.stdin (rblwatch run < PIPE)", p, fileKind(fi.Mode()))
			case len(c.Log.Paths) > 0 && errors.Is(err, fs.ErrNotExist):
				// As for log.path (below): a mistyped name is read never.
				d.warnf(key, "%s does not exist (yet): it is read from its start once it does", p)
			}
		}
		// One file under two names (a link): followed twice, every line
		// would count twice. The same path twice is validateLog's.
		seen := map[int]fs.FileInfo{}
		for i, p := range c.Log.Paths {
			fi, err := d.files.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			for j := range i {
				if fj, ok := seen[j]; ok && os.SameFile(fi, fj) && filepath.Clean(p) != filepath.Clean(c.Log.Paths[j]) {
					d.errorf(fmt.Sprintf("log.paths[%d]", i), "%s is the same file as log.paths[%d] (%s): list it once", p, j, c.Log.Paths[j])
					break
				}
			}
			seen[i] = fi
		}
	}
	if c.Log.Source() == SourceFile && c.Log.Path != "" {
		if _, err := d.files.Stat(c.Log.Path); errors.Is(err, fs.ErrNotExist) {
			d.warnf("log.path", "%s does not exist (yet) (Debian 12 installs no syslog daemon: without rsyslog, Postfix logs to the journal only; then set log.journald: true)", c.Log.Path)
		}
	}
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// fileProblem words a file error without Go's "open …:" prefix.
func fileProblem(path string, err error) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return strings.TrimPrefix(err.Error(), ErrTooLarge.Error()+": ")
	case errors.Is(err, fs.ErrNotExist):
		return path + " does not exist"
	case errors.Is(err, fs.ErrPermission):
		return path + " cannot be read (permission denied)"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return path + ": " + pe.Err.Error()
	}
	return path + ": " + err.Error()
}
