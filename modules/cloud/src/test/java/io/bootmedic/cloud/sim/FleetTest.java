package io.bootmedic.cloud.sim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetTest {
    @Test
    void moreWorkersRepairAFleetSoonerUntilTheApiLimitsBind() {
        Fleet.Result one = Fleet.run(Profile.aws(), 300, 1, 4, 4, 1);
        Fleet.Result ten = Fleet.run(Profile.aws(), 300, 10, 4, 40, 1);
        System.out.println(one.line());
        System.out.println(ten.line());
        for (Fleet.Result r : List.of(one, ten)) {
            assertEquals(List.of(), r.problems());
            assertEquals(300, r.repaired());
            assertTrue(r.t95Millis() > 0 && r.t95Millis() <= r.t100Millis(), r.line());
        }
        assertTrue(ten.t95Millis() * 4 < one.t95Millis(), "ten workers: " + ten.line() + "; one: " + one.line());
    }

    @Test
    void theApiRateLimitIsHonouredByBackingOff() {
        // a cloud that allows 2 writes and 5 reads a second (a tenth of EC2's): the engine must still finish, throttled and backing off
        Profile p = Profile.test();
        Profile tight = new Profile("tight", 63, p.stop(), p.start(), p.snapshot(), p.createDisk(), p.attach(), p.detach(), p.swap(), p.dispatch(),
                p.fix(), p.commandTimeoutMillis(), new Profile.Bucket(5, 5), new Profile.Bucket(2, 2), new Profile.Bucket(2, 2));
        Fleet.Result r = Fleet.run(tight, 200, 10, 4, 40, 3);
        System.out.println(r.line());
        r.problems().stream().filter(x -> x.contains("stuck")).limit(5).forEach(System.out::println);
        assertEquals(List.of(), r.problems());
        assertEquals(200, r.repaired());
        assertTrue(r.throttled() > 0, r.line());
    }
}
