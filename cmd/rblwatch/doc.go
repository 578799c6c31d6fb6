package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// The manual page and the shell completions are generated from the
// command's own help: the subcommand table and what each subcommand prints
// for --help. So they cannot drift from the flags (the Debian package ships
// their output: packaging/build-deb).

// helpOf returns what "rblwatch NAME --help" prints.
func helpOf(name string) string {
	var out bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, log: zap.NewNop(), getenv: func(string) string { return "" }}
	_ = dispatch(context.Background(), e, []string{name, "--help"})
	return out.String()
}

// documented lists the subcommands the manual and the completions cover,
// in the table's order.
func documented() []command {
	return slices.Clone(commands)
}

var flagLine = regexp.MustCompile(`^  -([a-z][a-z0-9-]*)(?: (\S+))?$`)

// flagsOf lists the flags of a subcommand's help as "--name", and whether
// each takes a value.
func flagsOf(help string) (names []string, takesValue map[string]bool) {
	takesValue = map[string]bool{}
	for _, l := range strings.Split(help, "\n") {
		if m := flagLine.FindStringSubmatch(l); m != nil {
			names = append(names, "--"+m[1])
			takesValue["--"+m[1]] = m[2] != ""
		}
	}
	return names, takesValue
}

func runMan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "man")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	writeMan(e.stdout)
	return nil
}

// roff escapes text for a roff line: backslashes, hyphens, a leading dot
// or quote, and the few non-ASCII characters of the help texts (groff's
// ASCII output, in the C locale of a minimal system, has no glyph for an
// ellipsis).
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	s = strings.NewReplacer("…", "...", "—", `\(em`, "–", `\(en`, "’", "'", "“", `\(lq`, "”", `\(rq`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func writeMan(w io.Writer) {
	fmt.Fprintf(w, ".TH RBLWATCH 1 \"\" \"rblwatch %s\" \"User Commands\"\n", roff(version))
	fmt.Fprint(w, ".SH NAME\nrblwatch \\- explain Postfix rejections by block lists to the postmaster\n")
	fmt.Fprint(w, ".SH SYNOPSIS\n.B rblwatch\n.I SUBCOMMAND\n[\\fIFLAGS\\fR] [\\fIARGS\\fR]\n")
	fmt.Fprint(w, ".SH DESCRIPTION\n"+
		"rblwatch runs beside Postfix and tells the postmaster, within seconds, when a receiver's reputation\n"+
		"or block list starts refusing or delaying outbound mail: who blocked us, why, whether the listing\n"+
		"is real right now, what to do, and, later, that mail flows again.\n"+
		"It reads the Postfix log, names the provider of every refusal from its catalog, checks the listing\n"+
		"over DNS and sends one notice per incident.\n"+
		".PP\nThe daemon,\n.BR \"rblwatch run\" ,\nis started by systemd (rblwatch.service) with\n.IR /etc/rblwatch/config.yaml ;\n"+
		"its state is in\n.IR /var/lib/rblwatch/state.db .\n")
	fmt.Fprint(w, ".SH SUBCOMMANDS\nEach subcommand prints this help with \\fB\\-\\-help\\fR.\n")
	for _, c := range documented() {
		fmt.Fprintf(w, ".SS %s\n.nf\n", roff(c.name))
		help := strings.TrimRight(helpOf(c.name), "\n")
		for _, l := range strings.Split(help, "\n") {
			fmt.Fprintln(w, roff(l))
		}
		fmt.Fprint(w, ".fi\n")
	}
	fmt.Fprint(w, ".SH ENVIRONMENT\n"+
		".TP\n.B RBLWATCH_LOG_LEVEL\nLevel of rblwatch's own log: debug, info, warn or error.\n"+
		".TP\n.B RBLWATCH_LOG_FORMAT\nFormat of rblwatch's own log: text or json.\n"+
		".TP\n.BR LC_ALL \", \" LC_MESSAGES \", \" LANG\nThe default language (en or ja) of explain and replay.\n")
	fmt.Fprint(w, ".SH FILES\n"+
		".TP\n.I /etc/rblwatch/config.yaml\nThe configuration (rblwatch config example prints a commented one).\n"+
		".TP\n.I /var/lib/rblwatch/state.db\nThe daemon's state: log positions, incidents, tracked messages, the outbox.\n"+
		".TP\n.I /usr/share/doc/rblwatch\nThe documentation: configuration reference, metrics, fleet set-up, alerting rules.\n")
	fmt.Fprint(w, ".SH EXIT STATUS\n0 on success, 1 on an error (check: a listing), 2 on a usage error (a flag or argument the subcommand does not take, a bad value, a configuration file that is missing, unreadable or has errors), 3 when check could not tell.\n")
	fmt.Fprint(w, ".SH SEE ALSO\n.BR postfix (1),\n.BR systemctl (1),\n.BR journalctl (1)\n")
}

func runCompletion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "completion")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"completion: name one shell, bash or zsh"}
	}
	switch fs.Arg(0) {
	case "bash":
		writeBash(e.stdout)
	case "zsh":
		writeZsh(e.stdout)
	default:
		return usageError{fmt.Sprintf("completion: %q is not bash or zsh", fs.Arg(0))}
	}
	return nil
}

// flagWords are the values of the flags that take one of a few words, for
// completion (a flag absent here completes file names).
func flagWords() map[string]string {
	return map[string]string{
		"--lang": "en ja", "--role": "dedicated operator customer", "--format": "text json html",
		"--log-level": "debug info warn error", "--log-format": "text json",
		"--state": strings.Join(messageStates(), " "),
	}
}

// actionsOf lists the words a subcommand takes first, for completion.
func actionsOf(cmd string) string {
	switch cmd {
	case "config":
		return "check example"
	case "completion":
		return "bash zsh"
	case "incidents":
		return "ack mute unmute"
	}
	return ""
}

func writeBash(w io.Writer) {
	var names []string
	for _, c := range documented() {
		names = append(names, c.name)
	}
	fmt.Fprint(w, "# bash completion for rblwatch (generated by \"rblwatch completion bash\")\n")
	fmt.Fprint(w, "_rblwatch() {\n\tlocal cur prev words cword\n\t_init_completion || return\n")
	fmt.Fprintf(w, "\tif [ \"$cword\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", strings.Join(names, " "))
	fmt.Fprint(w, "\tcase \"${words[1]}\" in\n")
	for _, c := range documented() {
		flags, value := flagsOf(helpOf(c.name))
		var valued, enums []string
		for _, f := range flags {
			if words, ok := flagWords()[f]; ok && value[f] {
				enums = append(enums, fmt.Sprintf("\t\t%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", f, words))
			} else if value[f] {
				valued = append(valued, f)
			}
		}
		actions := actionsOf(c.name)
		fmt.Fprintf(w, "\t%s)\n", c.name)
		if len(valued)+len(enums) > 0 {
			fmt.Fprint(w, "\t\tcase \"$prev\" in\n"+strings.Join(enums, ""))
			if len(valued) > 0 {
				fmt.Fprintf(w, "\t\t%s) _filedir; return ;;\n", strings.Join(valued, "|"))
			}
			fmt.Fprint(w, "\t\tesac\n")
		}
		fmt.Fprintf(w, "\t\tif [[ \"$cur\" == -* ]]; then\n\t\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n", strings.Join(flags, " "))
		if actions != "" {
			fmt.Fprintf(w, "\t\telif [ \"$cword\" -eq 2 ]; then\n\t\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n", actions)
		}
		fmt.Fprint(w, "\t\telse\n\t\t\t_filedir\n\t\tfi\n\t\t;;\n")
	}
	fmt.Fprint(w, "\tesac\n}\ncomplete -F _rblwatch rblwatch\n")
}

func writeZsh(w io.Writer) {
	fmt.Fprint(w, "#compdef rblwatch\n# zsh completion for rblwatch (generated by \"rblwatch completion zsh\")\n\n_rblwatch() {\n")
	fmt.Fprint(w, "\tlocal -a subcommands\n\tsubcommands=(\n")
	for _, c := range documented() {
		fmt.Fprintf(w, "\t\t%s\n", zshQuote(c.name+":"+c.summary))
	}
	fmt.Fprint(w, "\t)\n\tif (( CURRENT == 2 )); then\n\t\t_describe 'subcommand' subcommands\n\t\treturn\n\tfi\n")
	fmt.Fprint(w, "\tcase ${words[2]} in\n")
	for _, c := range documented() {
		flags, value := flagsOf(helpOf(c.name))
		fmt.Fprintf(w, "\t%s)\n\t\t_arguments", c.name)
		for _, f := range flags {
			spec := f
			if words, ok := flagWords()[f]; ok && value[f] {
				spec += "=:value:(" + words + ")"
			} else if value[f] {
				spec += "=:value:_files"
			}
			fmt.Fprintf(w, " %s", zshQuote(spec))
		}
		switch actions := actionsOf(c.name); {
		case c.name == "incidents":
			fmt.Fprintf(w, " '1:operation:(%s)' '*:argument:'", actions)
		case actions != "":
			fmt.Fprintf(w, " '1:action:(%s)'", actions)
		default:
			fmt.Fprint(w, " '*:file:_files'")
		}
		fmt.Fprint(w, "\n\t\t;;\n")
	}
	fmt.Fprint(w, "\tesac\n}\n\n_rblwatch \"$@\"\n")
}

// zshQuote single-quotes s for zsh.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
