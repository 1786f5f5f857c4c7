package io.bootmedic.cloud.azure;

/** A worker's device, as the engine names it: "lun10" is the data disk at LUN 10. */
final class Luns {
    private Luns() {
    }

    static String device(int lun) {
        return "lun" + lun;
    }

    static int lun(String device) {
        if (device == null || !device.matches("lun([2-9]|[1-5][0-9]|6[0-3])")) {
            throw new IllegalArgumentException("not a worker data-disk LUN from 2 to 63: " + device);
        }
        return Integer.parseInt(device.substring(3));
    }
}
