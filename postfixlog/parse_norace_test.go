//go:build !race

package postfixlog

const raceEnabled = false
