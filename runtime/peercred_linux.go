package runtime

import (
	"net"
	"syscall"
)

// unixCred reads SO_PEERCRED: the credentials the peer process had when
// it connected, recorded by the kernel (it cannot lie about them).
func unixCred(uc *net.UnixConn) *UnixCred {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	var cred *syscall.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cerr != nil || cred == nil {
		return nil
	}
	return &UnixCred{PID: int(cred.Pid), UID: int(cred.Uid), GID: int(cred.Gid)}
}
