// Package hostfile writes and verifies hosting files, the files a school's
// old local PRONOTE server generates to feed its hosted server: NAME.HNOT,
// the base (a school-year database), and three annexes, NAME.HCOURRIERS
// (letters), NAME.HDOCJOINTS (attached documents) and NAME.HPHOTOS (photos).
//
// The format is this project's own, documented here and versioned so that
// an upload can be checked in one streaming pass while it is stored
// (Validator), the SHA-256 used to check it doubling as the content address.
//
// # Format, version 1
//
// A hosting file is a text header, a binary payload and a binary trailer:
//
//	HEBPRONOTE\n                       magic line (11 bytes)
//	format=1\n                         header lines key=value\n, exactly these,
//	kind=HNOT\n                          in exactly this order
//	hosting=123456789012\n
//	year=2026-2027\n
//	base=0123456789abcdef0123456789abcdef\n
//	establishment=Collège Jean Moulin\n
//	generated=2026-06-30T14:05:00Z\n
//	students=812\n
//	teachers=64\n
//	classes=31\n
//	grid=08:00-18:00/60/1,2,3,4,5\n    HNOT only; absent from annexes
//	payload=209715200\n
//	\n                                 an empty line ends the header
//	<payload bytes>                    exactly `payload` bytes
//	<32 bytes>                         raw SHA-256 of every byte before it
//
// Magic plus header (empty line included) are at most 64 KiB
// (MaxHeaderSize). Nothing may follow the trailer. Header values:
//
//   - format: the format version, 1. Any other canonical number means a
//     version this program cannot read (ErrUnsupportedVersion).
//   - kind: HNOT, HCOURRIERS, HDOCJOINTS or HPHOTOS, in capitals.
//   - hosting: the hosting number, exactly 12 ASCII digits.
//   - year: the school year, "YYYY-YYYY" with the second year the first plus
//     one and both in 2000..2099.
//   - base: the base id, 32 lowercase hex digits (16 random bytes). An annex
//     carries the id of the base it was generated with.
//   - establishment: the establishment's name, non-empty UTF-8 without NUL
//     or newline. It is untrusted text, kept as is; the console sanitizes
//     it before display.
//   - generated: the generation time, RFC 3339 in UTC with whole seconds,
//     ending in "Z" (2026-06-30T14:05:00Z), year 2000 or later.
//   - students, teachers, classes: counts, 0..2147483647 (annexes write 0).
//   - grid (HNOT only): the timetable grid "HH:MM-HH:MM/slot/days": start
//     and end of the day (00:00..24:00, end after start), slot length in
//     minutes (one of 15, 30, 45, 50, 55, 60, 90, 120, dividing the day
//     exactly), and ISO weekdays (1 = Monday .. 7 = Sunday), comma-separated,
//     ascending, without duplicates.
//   - payload: the payload length in bytes, 0..2^40.
//
// Numbers are canonical decimals: ASCII digits, no sign, no leading zero
// (but "0" itself). Every value must be written exactly as this package
// writes it, so a file has one spelling and re-writing an accepted header
// reproduces it byte for byte. Unknown, duplicate, missing or misplaced
// keys, lines without "=", and invalid or non-canonical values make the
// header malformed (ErrMalformed, naming the field).
//
// The trailer is the SHA-256 of magic, header and payload. A byte flipped
// in the magic gives ErrNotHostingFile; in the payload or the trailer,
// ErrChecksum; in the header, ErrMalformed or whatever the altered value
// leads to (ErrChecksum when it is still valid, ErrTruncated or
// ErrTrailingData when the payload length changed, ErrUnsupportedVersion,
// ErrWrongKind...). A file cut short gives ErrTruncated, except the empty
// file, which is ErrNotHostingFile (a non-empty proper prefix of the magic
// is ErrTruncated).
//
// # Checking order
//
// A Validator checks each rule at the byte that decides it, in file order:
// the magic byte by byte, each header line when its newline arrives (kind,
// hosting number and, for an annex, base against Expect as soon as their
// line is read), the declared size against Expect.MaxSize when the header
// ends, the checksum when the trailer's last byte arrives, and trailing data
// at the first extra byte. The result therefore does not depend on how the
// stream is cut into writes. Expect.MaxSize also bounds the bytes accepted
// while the header is read.
//
// # The changes block of a backup
//
// A base downloaded from a backup (sauvegardes/, SPEC §17) is a version 1
// HNOT like any other: the header of the base it captured (generated is
// the backup's instant, payload the new length), a payload, and the
// trailing SHA-256 of everything before it. Its payload is the payload the
// school's server generated, followed by the changes block: the changes
// clients wrote to the hosted base up to the backup, oldest first, then a
// footer:
//
//	per change:  8 bytes  instant, Unix milliseconds, big-endian
//	             4 bytes  length of the connection id, big-endian, then it
//	             4 bytes  length of the author, then the author (UTF-8)
//	             4 bytes  length of the change, then the change (UTF-8)
//	footer:      16 bytes ChangesMagic
//	             8 bytes  length of the generated payload before the block
//	             8 bytes  number of changes
//
// To the hosting-file format the block is payload: a backup loads back as
// a base, checked like any upload, and the block rides along.
package hostfile
