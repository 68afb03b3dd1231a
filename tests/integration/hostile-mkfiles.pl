#!/usr/bin/perl
# tests/integration/hostile-mkfiles.pl: writes the hostile files hostile.sh
# serves, generated from tests/fixtures so that no binary lives in the tree.
#
#   perl hostile-mkfiles.pl FIXTURES OUTDIR CANARY-DIR
#
# Decompression bombs (headers that lie about the size), truncated and
# corrupt images, and non-images some GraphicsMagick coder would happily run
# (SVG, MVG, MSL, PostScript, ...).  The PostScript and MSL files would write
# a file into CANARY-DIR if anything ever executed them.  Only perl-base.
use strict;
use warnings;

my ($fixtures, $out, $canary) = @ARGV;
die "usage: $0 FIXTURES OUTDIR CANARY-DIR\n" unless defined $canary;

sub slurp {
	my ($name) = @_;
	open(my $f, '<', "$fixtures/$name") or die "$0: $fixtures/$name: $!\n";
	binmode $f;
	local $/;
	my $d = <$f>;
	close $f;
	return $d;
}

sub spew {
	my ($name, $data) = @_;
	open(my $f, '>', "$out/$name") or die "$0: $out/$name: $!\n";
	binmode $f;
	print $f $data;
	close $f or die "$0: $out/$name: $!\n";
}

my @crc_table;
for my $n (0 .. 255) {
	my $c = $n;
	$c = ($c & 1) ? (0xedb88320 ^ ($c >> 1)) : ($c >> 1) for 1 .. 8;
	$crc_table[$n] = $c;
}

sub crc32 {
	my $c = 0xffffffff;
	$c = $crc_table[($c ^ $_) & 0xff] ^ ($c >> 8) for unpack('C*', $_[0]);
	return $c ^ 0xffffffff;
}

sub chunk {
	my ($type, $data) = @_;
	return pack('N', length $data) . $type . $data . pack('N', crc32($type . $data));
}

# A zlib stream of N zero bytes in stored (uncompressed) blocks.
sub zlib_zeros {
	my ($n) = @_;
	my $z = "\x78\x01";
	my $left = $n;
	do {
		my $len = $left > 65535 ? 65535 : $left;
		$left -= $len;
		$z .= pack('C', $left == 0 ? 1 : 0) . pack('vv', $len, ~$len & 0xffff) . ("\0" x $len);
	} while ($left > 0);
	# Adler-32 of n zero bytes: a = 1, b = n.
	return $z . pack('N', (($n % 65521) << 16) | 1);
}

# N zero bytes through gzip -9 -n (gzip is Essential in Debian): a 10-byte
# header (no name, no time), raw deflate, CRC-32 and size.
sub gzip_zeros {
	my ($n) = @_;
	open(my $g, '-|', 'sh', '-c', "head -c $n /dev/zero | gzip -9 -n")
	    or die "$0: gzip: $!\n";
	binmode $g;
	local $/;
	my $d = <$g>;
	close $g or die "$0: gzip failed\n";
	return $d;
}

# A valid PNG header claiming W x H (8-bit RGB), a little IDAT, IEND.
sub lying_png {
	my ($w, $h) = @_;
	return "\x89PNG\r\n\x1a\n" .
	    chunk('IHDR', pack('NNCCCCC', $w, $h, 8, 2, 0, 0, 0)) .
	    chunk('IDAT', zlib_zeros(64)) . chunk('IEND', '');
}

# The offset of the first SOFn marker's length field in a JPEG.
sub jpeg_sof {
	my ($d) = @_;
	my $off = 2;
	while ($off + 4 <= length $d) {
		die "$0: JPEG marker expected at $off\n" unless substr($d, $off, 1) eq "\xff";
		my $m = ord substr($d, $off + 1, 1);
		my $len = unpack('n', substr($d, $off + 2, 2));
		return $off + 2 if $m >= 0xc0 && $m <= 0xcf && $m != 0xc4 && $m != 0xc8 && $m != 0xcc;
		$off += 2 + $len;
	}
	die "$0: no SOF in the JPEG\n";
}

# The JPEG with its frame header claiming W x H.
sub lying_jpeg {
	my ($d, $w, $h) = @_;
	my $sof = jpeg_sof($d);
	substr($d, $sof + 3, 4) = pack('nn', $h, $w);
	return $d;
}

my $jpg = slurp('photo.jpg');
my $png = slurp('photo.png');
my $gif = slurp('anim.gif');
my $webp = slurp('photo.webp');

# ---- decompression bombs: the header lies, far beyond the limits
spew('bomb-100000x100000.png', lying_png(100000, 100000));
spew('bomb-30000x1.png', lying_png(30000, 1));		# max_dimension only
spew('bomb-8000x8000.png', lying_png(8000, 8000));	# max_pixels only
spew('bomb-2147483647.png', lying_png(0x7fffffff, 0x7fffffff));
spew('bomb-65000x65000.jpg', lying_jpeg($jpg, 65000, 65000));
spew('bomb-9000x9000.jpg', lying_jpeg($jpg, 9000, 9000));
{
	# A tiny baseline frame whose SOF claims 65535 x 65535: nothing else.
	spew('bomb-sof-only.jpg', "\xff\xd8" . "\xff\xc0" .
	    pack('nCnnC', 11, 8, 65535, 65535, 1) . "\x01\x11\x00" . "\xff\xd9");
}
{
	# A second frame header, huge, behind a sane first one.
	my $sof = jpeg_sof($jpg);
	my $soflen = unpack('n', substr($jpg, $sof, 2));
	my $frame = substr($jpg, $sof - 2, $soflen + 2);
	substr($frame, 5, 4) = pack('nn', 60000, 60000);
	my $d = $jpg;
	substr($d, $sof + $soflen, 0) = $frame;
	spew('bomb-two-sof.jpg', $d);
}
{
	my $d = $gif;
	substr($d, 6, 4) = pack('vv', 65535, 65535);
	spew('bomb-65535x65535.gif', $d);
}
# A 10x10 screen whose first frame claims 60000x60000 (imghdr cannot see it).
spew('bomb-gif-frame.gif', pack('C*',
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 10, 0, 10, 0, 0x80, 0, 0,
    0, 0, 0, 0xff, 0xff, 0xff,
    0x2c, 0, 0, 0, 0, 0x60, 0xea, 0x60, 0xea, 0,
    0x02, 0x02, 0x44, 0x01, 0x00, 0x3b));
{
	# VP8 frame header: 14-bit width and height at bytes 26..29.
	my $d = $webp;
	die "$0: photo.webp is not lossy VP8\n" unless substr($d, 12, 4) eq 'VP8 ';
	substr($d, 26, 4) = pack('vv', 16383, 16383);
	spew('bomb-16383x16383.webp', $d);
	# VP8X: a 24-bit canvas of 16777216 x 16777216 in front of the VP8 chunk.
	my $vp8 = substr($webp, 12);
	my $body = 'WEBP' . 'VP8X' . pack('V', 10) . "\0\0\0\0" .
	    substr(pack('V', 0xffffff), 0, 3) x 2 . $vp8;
	spew('bomb-vp8x.webp', 'RIFF' . pack('V', length $body) . $body);
}

# ---- truncated and corrupt
spew('cut-half.jpg', substr($jpg, 0, int(length($jpg) / 2)));
spew('cut-header.jpg', substr($jpg, 0, 40));
spew('cut-half.png', substr($png, 0, int(length($png) / 2)));
spew('cut-ihdr.png', substr($png, 0, 20));
spew('cut-signature.png', substr($png, 0, 8));
spew('cut-half.gif', substr($gif, 0, 40));
spew('cut-half.webp', substr($webp, 0, int(length($webp) / 2)));
{
	my $d = $png;
	substr($d, 29, 4) = pack('N', unpack('N', substr($d, 29, 4)) ^ 0xdeadbeef);
	spew('bad-crc.png', $d);
	$d = $png;
	substr($d, $_, 1) = chr(ord(substr($d, $_, 1)) ^ 0x5a) for 200 .. 259;
	spew('bad-idat.png', $d);
	# A 16x16 image whose IDAT inflates to 64 MiB (from about 65 KiB).
	my $deflate = substr(gzip_zeros(64 * 1024 * 1024), 10, -8);
	spew('zlib-bomb.png', "\x89PNG\r\n\x1a\n" .
	    chunk('IHDR', pack('NNCCCCC', 16, 16, 8, 2, 0, 0, 0)) .
	    chunk('IDAT', "\x78\xda" . $deflate . pack('N', ((64 * 1024 * 1024) % 65521) << 16 | 1)) .
	    chunk('IEND', ''));
}
# 64 MiB of zeros as gzip, to be sent with Content-Encoding: gzip.
spew('gzip-bomb.gz', gzip_zeros(64 * 1024 * 1024));
spew('png-behind-jpeg-magic.jpg', "\xff\xd8\xff" . $png);
spew('zero-size.png', lying_png(0, 0));
spew('empty.jpg', '');

# ---- not images: each would run a coder, a delegate or an interpreter
spew('page.html', "<!DOCTYPE html>\n<html><body><img src=x onerror=alert(1)></body></html>\n");
spew('image.svg', qq{<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" } .
    qq{xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">} .
    qq{<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>\n});
spew('draw.mvg', "push graphic-context\nviewbox 0 0 640 480\n" .
    "image over 0,0 0,0 'file:///etc/passwd'\npop graphic-context\n");
spew('script.ps', "%!PS-Adobe-3.0\n($canary/ps-ran) (w) file closefile\n" .
    "/Times findfont 12 scalefont setfont 72 72 moveto (hello) show showpage\n");
spew('script.eps', "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n" .
    "($canary/eps-ran) (w) file closefile\n");
spew('doc.pdf', "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
spew('script.msl', qq{<?xml version="1.0" encoding="UTF-8"?>\n<image>\n} .
    qq{<read filename="$fixtures/photo.jpg"/>\n<write filename="$canary/msl-ran.png"/>\n</image>\n});
spew('text.txt', "This is not an image.\n");
spew('cgm.cgm', "BEGMF test; MFVERSION 1; ENDMF;\n");
spew('image.bmp', "BM" . pack('VvvV', 70, 0, 0, 54) . pack('VVVvvVV', 40, 2, 2, 1, 24, 0, 16) .
    ("\0" x 16) . ("\0" x 16));
spew('image.tiff', "II*\0" . pack('V', 8) . pack('v', 0) . pack('V', 0));
spew('ps-behind-jpeg-magic.jpg', "\xff\xd8\xff\xe0" . "%!PS-Adobe-3.0\n($canary/ps2-ran) (w) file closefile\n");
