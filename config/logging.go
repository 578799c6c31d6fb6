package config

import (
	"fmt"
	"slices"
	"strings"
)

// Logging is how rblwatch writes its own log (to standard error: the
// journal under systemd). The command line (--log-level, --log-format) and
// the environment (RBLWATCH_LOG_LEVEL, RBLWATCH_LOG_FORMAT) override it.
type Logging struct {
	// Level is the least severe level written: one of LogLevels.
	Level LogLevel `yaml:"level"`
	// Format is one of LogFormats: "text" (one line per entry, for a
	// terminal or the journal) or "json" (one object per line).
	Format LogFormat `yaml:"format"`
}

// LogLevel is a level of rblwatch's own log.
type LogLevel string

// The log levels, least severe first.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// LogLevels lists the valid levels.
var LogLevels = []LogLevel{LogDebug, LogInfo, LogWarn, LogError}

// LogFormat is the format of rblwatch's own log.
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// LogFormats lists the valid formats.
var LogFormats = []LogFormat{LogText, LogJSON}

// ParseLogLevel checks a level given on the command line or in the
// environment.
func ParseLogLevel(s string) (LogLevel, error) {
	if l := LogLevel(strings.ToLower(s)); slices.Contains(LogLevels, l) {
		return l, nil
	}
	return "", fmt.Errorf("log level %q is not one of %s", s, joinEnum(LogLevels))
}

// ParseLogFormat checks a format given on the command line or in the
// environment.
func ParseLogFormat(s string) (LogFormat, error) {
	if f := LogFormat(strings.ToLower(s)); slices.Contains(LogFormats, f) {
		return f, nil
	}
	return "", fmt.Errorf("log format %q is not one of %s", s, joinEnum(LogFormats))
}

func joinEnum[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func (d *decoder) validateLogging(l *Logging) {
	if !slices.Contains(LogLevels, l.Level) {
		d.errorf("logging.level", "%q is not one of %s", string(l.Level), joinEnum(LogLevels))
	}
	if !slices.Contains(LogFormats, l.Format) {
		d.errorf("logging.format", "%q is not one of %s", string(l.Format), joinEnum(LogFormats))
	}
}
