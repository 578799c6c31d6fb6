package config

import _ "embed"

//go:embed example.yaml
var example string

// Example returns a commented configuration file showing every key with its
// default; keys without a default are commented out with a sample value.
func Example() string { return example }
