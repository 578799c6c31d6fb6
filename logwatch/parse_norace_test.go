//go:build !race

package logwatch

const raceEnabled = false
