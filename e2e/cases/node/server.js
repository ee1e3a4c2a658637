const os = require("os");
const total = [1, 2, 3, 4].reduce((a, b) => a + b, 0);
console.log(`node ${process.version.split(".")[0]} computed ${total}`);
const u = os.userInfo();
console.log(`user ${u.username} uid=${process.getuid()} gid=${process.getgid()}`);
