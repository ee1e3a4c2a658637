import os
import pwd
import sys

import fastsum

print("python %d.%d" % sys.version_info[:2], "fastsum.total(10) =", fastsum.total(10), "(compiled:", fastsum.__file__.endswith(".so"), end=")\n")
print("user %s uid=%d gid=%d" % (pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()))
