//go:build cgo && musl

package seccomp

// Debian's libseccomp.a is compiled against glibc with _FORTIFY_SOURCE, so its one
// formatted print (the PFC text export, seccomp_export_pfc, which libseccomp-golang
// wraps and berth never calls) goes through glibc's checked __fprintf_chk. musl has no
// checked variants; linked against musl (Makefile), the archive gets this one: the
// same print without the fortify check of the format string.

/*
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}
*/
import "C"
