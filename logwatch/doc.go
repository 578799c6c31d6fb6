// Package logwatch reads the Postfix log: the sources that produce lines
// (followed files across rotation, journald, stdin, plain and gzipped files
// read once). The lines and the parser that turns them into records are in
// package postfixlog.
package logwatch
