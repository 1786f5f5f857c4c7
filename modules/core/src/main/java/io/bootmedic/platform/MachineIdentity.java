package io.bootmedic.platform;

import io.bootmedic.report.Report;

/** Which physical or virtual machine bootmedic runs on, for the report's host record. */
public interface MachineIdentity {

    /** BIOS/SMBIOS serial number, null when unreadable or a placeholder such as "To Be Filled By O.E.M.". */
    String biosSerial();

    /** The hypervisor's VM ID (Hyper-V/Azure VM ID, VMware UUID, AWS instance UUID), null on physical machines. */
    String hypervisorVmId();

    default Report.Host toHost() {
        return new Report.Host(biosSerial(), hypervisorVmId());
    }

    MachineIdentity UNKNOWN = new MachineIdentity() {
        @Override
        public String biosSerial() {
            return null;
        }

        @Override
        public String hypervisorVmId() {
            return null;
        }
    };
}
