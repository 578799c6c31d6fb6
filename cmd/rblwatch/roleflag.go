package main

import (
	"errors"
	"flag"
	"strconv"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
)

// roleChoice is the role a command advises for: --role (or --shared, the
// old spelling of --role customer) when given, else the configuration's.
type roleChoice struct {
	role     classify.Role
	explicit bool
	// byRole and shared say which flags set it: --shared with a --role
	// other than customer contradicts itself.
	byRole, shared bool
}

// roleFlag adds --role and --shared to fs.
func roleFlag(fs *flag.FlagSet) *roleChoice {
	c := &roleChoice{role: classify.RoleDedicated}
	fs.Func("role", "who files removal requests: dedicated (our own server), operator (we are the hosting company running a shared IP: find the customer behind a listing, then file), customer (we send from a hosting company's shared IP: ask them, never file); default: the configuration's role", func(s string) error {
		r, err := classify.ParseRole(s)
		if err != nil || s == "" {
			return errors.New("want dedicated, operator or customer")
		}
		if c.shared && r != classify.RoleCustomer {
			return errors.New("--shared means --role customer")
		}
		c.role, c.explicit, c.byRole = r, true, true
		return nil
	})
	fs.BoolFunc("shared", "the same as --role customer", func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		if b {
			if c.byRole && c.role != classify.RoleCustomer {
				return errors.New("--shared means --role customer, not --role " + string(c.role))
			}
			c.role, c.explicit, c.shared = classify.RoleCustomer, true, true
		}
		return nil
	})
	return c
}

// resolve returns the role: the flag's, else the role of the configuration
// --config names (at the default path an absent file means the defaults),
// as the daemon would advise.
func (c *roleChoice) resolve(fs *flag.FlagSet, cmd string) (classify.Role, error) {
	if c.explicit {
		return c.role, nil
	}
	path := config.DefaultPath
	if f := fs.Lookup("config"); f != nil {
		path = f.Value.String()
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", usageError{cmd + ": " + err.Error()}
	}
	return cfg.Role, nil
}
