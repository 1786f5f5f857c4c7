package io.bootmedic.cloud.azure;

import java.util.ArrayList;
import java.util.List;

/** One --worker: NAME or GROUP/NAME, with its LUNs after a colon (NAME:10,11), else --lun's (default 10). */
record WorkerSpec(String group, String name, List<String> devices) {
    static WorkerSpec parse(String spec, String defaultGroup, List<Integer> defaultLuns) {
        String vm = spec;
        List<Integer> luns = new ArrayList<>(defaultLuns.isEmpty() ? List.of(10) : defaultLuns);
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            vm = spec.substring(0, colon);
            luns.clear();
            for (String l : spec.substring(colon + 1).split(",", -1)) {
                try {
                    luns.add(Integer.parseInt(l.strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--worker " + spec + ": '" + l + "' is not a LUN");
                }
            }
        }
        String group = defaultGroup;
        int slash = vm.indexOf('/');
        if (slash >= 0) {
            group = vm.substring(0, slash);
            vm = vm.substring(slash + 1);
        }
        if (group == null || group.isEmpty() || vm.isEmpty()) {
            throw new IllegalArgumentException("--worker " + spec + ": name its resource group (--worker-group RG, or --worker RG/NAME)");
        }
        List<String> devices = new ArrayList<>();
        for (int lun : luns) {
            if (lun < 2 || lun > 63) {
                // worker-fix.sh refuses them too: without the Azure udev rules, by-path names of the worker's own disks end in -lun-0/-lun-1
                throw new IllegalArgumentException("--worker " + spec + ": LUN " + lun + " is refused; use 2..63 (LUN 0 and 1 can be confused with the worker's own disks)");
            }
            String d = Luns.device(lun);
            if (devices.contains(d)) {
                throw new IllegalArgumentException("--worker " + spec + ": LUN " + lun + " given twice");
            }
            devices.add(d);
        }
        return new WorkerSpec(group, vm, devices);
    }
}
