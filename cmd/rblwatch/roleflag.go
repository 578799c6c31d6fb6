package main

import (
	"errors"
	"flag"
	"strconv"

	"github.com/rblwatch/rblwatch/classify"
)

// roleFlag adds --role, and --shared as the old spelling of --role
// customer, to fs; it returns where the chosen role is kept.
func roleFlag(fs *flag.FlagSet) *classify.Role {
	role := classify.RoleDedicated
	fs.Func("role", "who files removal requests: dedicated (our own server; the default), operator (we are the hosting company running a shared IP: find the customer behind a listing, then file), customer (we send from a hosting company's shared IP: ask them, never file)", func(s string) error {
		r, err := classify.ParseRole(s)
		if err != nil || s == "" {
			return errors.New("want dedicated, operator or customer")
		}
		role = r
		return nil
	})
	fs.BoolFunc("shared", "the same as --role customer", func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		if b {
			role = classify.RoleCustomer
		}
		return nil
	})
	return &role
}
