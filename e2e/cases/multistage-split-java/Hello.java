import com.sun.security.auth.module.UnixSystem;

public class Hello {
    public static void main(String[] args) {
        int total = 0;
        for (int i = 1; i <= 10; i++) {
            total += i * i;
        }
        System.out.println("java " + Runtime.version().feature() + " computed " + total);
        UnixSystem u = new UnixSystem();
        System.out.println("user " + u.getUsername() + " uid=" + u.getUid() + " gid=" + u.getGid());
    }
}
