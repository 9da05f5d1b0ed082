#!/bin/sh
# A stand-in for clamdscan in tests: reads the file from standard input,
# refuses (exit 1) one containing the EICAR marker, fails (exit 2) on one
# containing BROKEN, accepts (exit 0) anything else.
data=$(cat)
case "$data" in
*EICAR-STANDARD-ANTIVIRUS-TEST-FILE*) echo "stdin: Eicar-Test-Signature FOUND"; exit 1 ;;
*BROKEN*) echo "scanner: cannot connect to daemon" >&2; exit 2 ;;
esac
echo "stdin: OK"
exit 0
