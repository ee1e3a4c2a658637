import os
import pwd

import hello

print("hello from", hello.__name__, "installed by pip")
print("user %s uid=%d gid=%d" % (pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()))
