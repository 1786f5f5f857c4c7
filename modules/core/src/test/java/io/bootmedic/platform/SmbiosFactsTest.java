package io.bootmedic.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SmbiosFactsTest {
    @Test
    void physicalLaptopHasSerialButNoVmId() {
        SmbiosFacts f = new SmbiosFacts("LENOVO", "20XW0026GE", "N32ET86W (1.62 )", "PF2ABCDE", "8c1a7b00-1dd2-11b2-a85c-a1b2c3d4e5f6", "No Asset Information");
        assertEquals("PF2ABCDE", f.biosSerial());
        assertNull(f.hypervisor());
        assertNull(f.hypervisorVmId());
    }

    @Test
    void hyperVAndAzureAreToldApartByTheAssetTag() {
        SmbiosFacts hyperV = new SmbiosFacts("Microsoft Corporation", "Virtual Machine", "Hyper-V UEFI Release v4.1",
                "0000-0012-3456-7890-1234-5678-90", "4f3a9b2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "0000-0012-3456-7890-1234-5678-90");
        assertEquals("hyper-v", hyperV.hypervisor());
        assertEquals("4F3A9B2E-1C2D-4E5F-8A9B-0C1D2E3F4A5B", hyperV.hypervisorVmId());
        SmbiosFacts azure = new SmbiosFacts("Microsoft Corporation", "Virtual Machine", "Hyper-V UEFI Release v4.1",
                "0000-0012-3456-7890-1234-5678-90", "4f3a9b2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", SmbiosFacts.AZURE_ASSET_TAG);
        assertEquals("azure", azure.hypervisor());
    }

    @Test
    void vmwareAndAws() {
        assertEquals("vmware", new SmbiosFacts("VMware, Inc.", "VMware7,1", "VMW71.00V", "VMware-56 4d ...", "564D1234-ABCD-0000-1111-222233334444", null).hypervisor());
        SmbiosFacts aws = new SmbiosFacts("Amazon EC2", "t3.large", "1.0", "ec2e1e2b-...", "ec2e1e2b-7c4f-11ee-b962-0242ac120002", null);
        assertEquals("aws", aws.hypervisor());
        assertEquals("EC2E1E2B-7C4F-11EE-B962-0242AC120002", aws.hypervisorVmId());
    }

    @Test
    void placeholderSerialsAreNull() {
        assertNull(new SmbiosFacts("ASUS", "System Product Name", "1.0", "System Serial Number", null, null).biosSerial());
        assertNull(new SmbiosFacts("x", "y", "z", "To Be Filled By O.E.M.", null, null).biosSerial());
        assertNull(new SmbiosFacts("x", "y", "z", null, null, null).biosSerial());
    }
}
