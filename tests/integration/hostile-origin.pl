#!/usr/bin/perl
# tests/integration/hostile-origin.pl: a hostile image origin for hostile.sh.
#
#   perl hostile-origin.pl ADDRESS PORT DOCROOT LOG PIDFILE
#
# Listens on ADDRESS:PORT (loopback only: anything else is refused), writes
# its pid to PIDFILE once it listens, and answers each connection in a
# forked child with one response, then closes.  Every request line goes to
# LOG.  Only perl-base modules are used (perl-base is Essential in Debian).
#
# Paths:
#   /files/NAME            DOCROOT/NAME with a true Content-Length, always as
#                          Content-Type image/jpeg (thumbq must not trust it)
#   /redirect/CODE?to=URL  CODE (301, 302, 303, 307, 308) with Location: URL
#   /hops/N?to=URL         N redirects through /hops/N-1 ..., then to URL
#   /loop                  redirects to itself forever
#   /drip                  a PNG signature, then one byte every 0.5 s, forever
#   /trickle               2 KiB every second, forever (beats a low-speed abort)
#   /stall                 reads the request, never answers
#   /stall-headers         a status line, then one header byte per second
#   /flood                 HTTP/1.0 style, no Content-Length, endless bytes
#   /flood-chunked         chunked, endless chunks
#   /cl-lie-chunked        Content-Length: 100 AND chunked, endless chunks
#   /cl-huge               Content-Length: 1 TiB, then endless bytes
#   /cl-overflow           a Content-Length no integer type holds
#   /cl-short              Content-Length: 500000, 1000 bytes of DOCROOT/photo.png, close
#   /gzip/NAME             DOCROOT/NAME with Content-Encoding: gzip
# Anything else is a 404.  "Forever" ends when the client goes away, or
# after 120 s in any case, so that no child outlives a test run for long.
use strict;
use warnings;
use IO::Socket::IP;
use POSIX ();

my ($addr, $port, $docroot, $log, $pidfile) = @ARGV;
die "usage: $0 ADDRESS PORT DOCROOT LOG PIDFILE\n" unless defined $pidfile;
die "$0: $addr is not a loopback address\n"
    unless $addr =~ /^127\.\d+\.\d+\.\d+$/ || $addr eq '::1';

my $srv = IO::Socket::IP->new(
	LocalHost => $addr, LocalPort => $port, Listen => 64, ReuseAddr => 1,
	Proto => 'tcp') or die "$0: listen on $addr:$port: $@\n";

# Own process group, so that SIGTERM to the server ends the children too.
setpgrp(0, 0);
$SIG{CHLD} = 'IGNORE';
$SIG{PIPE} = 'DEFAULT';
$SIG{TERM} = sub { local $SIG{TERM} = 'IGNORE'; kill 'TERM', -$$; POSIX::_exit(0) };

open(my $lf, '>>', $log) or die "$0: $log: $!\n";
$lf->autoflush(1);
{
	open(my $pf, '>', "$pidfile.tmp") or die "$0: $pidfile: $!\n";
	print $pf "$$\n";
	close $pf;
	rename "$pidfile.tmp", $pidfile or die "$0: $pidfile: $!\n";
}

while (1) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (!defined $pid) {
		close $c;
		next;
	}
	if ($pid == 0) {
		close $srv;
		alarm 120;
		serve($c);
		POSIX::_exit(0);
	}
	close $c;
}

sub out {
	my ($c, $s) = @_;
	# A client that left ends this child (SIGPIPE or an error here).
	defined(syswrite($c, $s)) or POSIX::_exit(0);
}

sub slurp {
	my ($name) = @_;
	return undef if $name =~ m{(^|/)\.\.(/|$)} || $name =~ m{^/};
	open(my $f, '<', "$docroot/$name") or return undef;
	binmode $f;
	local $/;
	my $d = <$f>;
	close $f;
	return $d;
}

sub unescape {
	my ($s) = @_;
	$s =~ s/\+/ /g;
	$s =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
	return $s;
}

sub head {
	my ($c, $status, @h) = @_;
	out($c, join('', "HTTP/1.1 $status\r\n", map({ "$_\r\n" } @h,
	    'Connection: close'), "\r\n"));
}

sub endless {
	my ($c, $chunk, $pause, $chunked) = @_;
	while (1) {
		if ($chunked) {
			out($c, sprintf("%x\r\n%s\r\n", length $chunk, $chunk));
		} else {
			out($c, $chunk);
		}
		select(undef, undef, undef, $pause) if $pause > 0;
	}
}

# Waits until the client closes its end (or the alarm fires).
sub wait_for_close {
	my ($c) = @_;
	my $buf;
	while (1) {
		my $n = sysread($c, $buf, 4096);
		return if !defined $n || $n == 0;
	}
}

sub serve {
	my ($c) = @_;
	my $req = '';
	while ($req !~ /\r?\n\r?\n/) {
		my $n = sysread($c, $req, 8192, length $req);
		return if !defined $n || $n == 0;
		return if length $req > 65536;
	}
	my ($line) = $req =~ /^([^\r\n]*)/;
	print $lf "$line\n";
	my (undef, $target) = split / /, $line;
	$target //= '/';
	my ($path, $query) = split /\?/, $target, 2;
	$query //= '';
	my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => unescape($v // '')) }
	    grep { length } split /&/, $query;
	my $big = "\0" x 65536;

	if ($path =~ m{^/files/(.+)$}) {
		my $d = slurp(unescape($1));
		return notfound($c) unless defined $d;
		head($c, '200 OK', 'Content-Type: image/jpeg',
		    'Content-Length: ' . length $d);
		out($c, $d);
	} elsif ($path =~ m{^/gzip/(.+)$}) {
		my $d = slurp(unescape($1));
		return notfound($c) unless defined $d;
		head($c, '200 OK', 'Content-Type: image/png',
		    'Content-Encoding: gzip', 'Content-Length: ' . length $d);
		out($c, $d);
	} elsif ($path =~ m{^/redirect/(30[12378])$} && exists $q{to}) {
		head($c, "$1 Moved", "Location: $q{to}", 'Content-Length: 0');
	} elsif ($path =~ m{^/hops/(\d+)$} && exists $q{to}) {
		my $n = $1;
		my $to = $n > 0 ? "/hops/" . ($n - 1) . "?$query" : $q{to};
		head($c, '302 Found', "Location: $to", 'Content-Length: 0');
	} elsif ($path eq '/loop') {
		head($c, '302 Found', 'Location: /loop', 'Content-Length: 0');
	} elsif ($path eq '/drip') {
		head($c, '200 OK', 'Content-Type: image/png');
		out($c, "\x89PNG\r\n\x1a\n");
		endless($c, "\0", 0.5, 0);
	} elsif ($path eq '/trickle') {
		head($c, '200 OK', 'Content-Type: image/png');
		out($c, "\x89PNG\r\n\x1a\n");
		endless($c, "\0" x 2048, 1, 0);
	} elsif ($path eq '/stall') {
		wait_for_close($c);
	} elsif ($path eq '/stall-headers') {
		out($c, "HTTP/1.1 200 OK\r\n");
		endless($c, "X", 1, 0);
	} elsif ($path eq '/flood') {
		out($c, "HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\n");
		out($c, "\x89PNG\r\n\x1a\n");
		endless($c, $big, 0, 0);
	} elsif ($path eq '/flood-chunked') {
		head($c, '200 OK', 'Content-Type: image/png',
		    'Transfer-Encoding: chunked');
		endless($c, "\x89PNG\r\n\x1a\n" . $big, 0, 1);
	} elsif ($path eq '/cl-lie-chunked') {
		head($c, '200 OK', 'Content-Type: image/png', 'Content-Length: 100',
		    'Transfer-Encoding: chunked');
		endless($c, "\x89PNG\r\n\x1a\n" . $big, 0, 1);
	} elsif ($path eq '/cl-huge') {
		head($c, '200 OK', 'Content-Type: image/png',
		    'Content-Length: 1099511627776');
		out($c, "\x89PNG\r\n\x1a\n");
		endless($c, $big, 0, 0);
	} elsif ($path eq '/cl-overflow') {
		head($c, '200 OK', 'Content-Type: image/png',
		    'Content-Length: 99999999999999999999999999999999');
		out($c, "\x89PNG\r\n\x1a\n");
		endless($c, $big, 0, 0);
	} elsif ($path eq '/cl-short') {
		my $d = slurp('photo.png') // '';
		head($c, '200 OK', 'Content-Type: image/png', 'Content-Length: 500000');
		out($c, substr($d, 0, 1000));
	} else {
		notfound($c);
	}
	# Let the client read everything before the close.
	shutdown($c, 1);
	wait_for_close($c);
}

sub notfound {
	my ($c) = @_;
	head($c, '404 Not Found', 'Content-Type: text/plain', 'Content-Length: 10');
	out($c, "not found\n");
}
