package cgroups

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// systemdInstance is the systemd that owns a container's scope: the system manager (PID 1), or
// for a rootless container the caller's own user manager (systemd --user, user@UID.service),
// which delegates the cgroup below user@UID.service to that user.
type systemdInstance struct {
	user bool
	// uid is who berth is on the host, for D-Bus EXTERNAL authentication. It differs from
	// os.Getuid() inside a user namespace (rootlesskit), where the bus checks the host uid.
	uid int
}

func systemInstance() systemdInstance { return systemdInstance{uid: os.Getuid()} }

func userInstance() systemdInstance {
	return systemdInstance{user: true, uid: hostUID(os.Getuid(), "/proc/self/uid_map")}
}

func (i systemdInstance) String() string {
	if i.user {
		return fmt.Sprintf("the systemd user instance of uid %d", i.uid)
	}
	return "systemd"
}

// hostUID maps uid through a uid_map file to the host's id; without a map entry it is uid itself.
func hostUID(uid int, uidMap string) int {
	f, err := os.Open(uidMap)
	if err != nil {
		return uid
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		var inside, outside, n int
		if _, err := fmt.Sscan(s.Text(), &inside, &outside, &n); err != nil {
			continue
		}
		if uid >= inside && uid-inside < n {
			return outside + uid - inside
		}
	}
	return uid
}

// connect reaches the instance: first its private socket (no dbus-daemon needed, and for the
// system manager the one that works before dbus is up), then its bus.
func (i systemdInstance) connect(ctx context.Context) (*sd.Conn, error) {
	private, bus := "/run/systemd/private", "unix:path=/run/dbus/system_bus_socket"
	if i.user {
		xdg := os.Getenv("XDG_RUNTIME_DIR")
		if xdg == "" {
			xdg = fmt.Sprintf("/run/user/%d", i.uid)
		}
		private = filepath.Join(xdg, "systemd/private")
		bus = "unix:path=" + filepath.Join(xdg, "bus")
		if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
			bus = a
		}
	} else if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		bus = a
	}
	c, err := sd.NewConnection(func() (*godbus.Conn, error) {
		return i.dial(ctx, "unix:path="+private, false)
	})
	if err == nil {
		return c, nil
	}
	c, err2 := sd.NewConnection(func() (*godbus.Conn, error) {
		return i.dial(ctx, bus, true)
	})
	if err2 != nil {
		hint := ""
		if i.user {
			hint = " (is it running? `loginctl enable-linger` starts it without a login session)"
		}
		return nil, fmt.Errorf("connect to %s%s: %w; %w", i, hint, err, err2)
	}
	return c, nil
}

// dial opens one authenticated connection; hello is for a bus (a private socket talks to
// systemd directly and has no bus daemon to greet).
func (i systemdInstance) dial(ctx context.Context, addr string, hello bool) (*godbus.Conn, error) {
	conn, err := godbus.Dial(addr, godbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	if err := conn.Auth([]godbus.Auth{godbus.AuthExternal(strconv.Itoa(i.uid))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: authenticate as uid %d: %w", addr, i.uid, err)
	}
	if hello {
		if err := conn.Hello(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
	}
	return conn, nil
}

// do runs fn with a connection to the instance, the whole exchange bounded by systemdTimeout.
func (i systemdInstance) do(fn func(ctx context.Context, conn *sd.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), systemdTimeout)
	defer cancel()
	conn, err := i.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(ctx, conn)
}

// isNoSuchUnit tells whether systemd answered that the unit does not exist.
func isNoSuchUnit(err error) bool {
	var derr godbus.Error
	return errors.As(err, &derr) && strings.HasSuffix(derr.Name, ".NoSuchUnit")
}
