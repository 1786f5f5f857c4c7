package io.bootmedic.ntfs;

import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The struct offsets bootmedic reads through JNA must match the installed libntfs-3g headers:
 * a C program prints offsetof() for each, and this test compares.
 */
class NtfsStructsTest {
    @TempDir
    Path tmp;

    @Test
    void offsetsMatchTheInstalledHeaders() throws Exception {
        Path c = tmp.resolve("offsets.c");
        Files.writeString(c, """
                #include <stddef.h>
                #include <stdint.h>
                #include <sys/types.h>
                #include <sys/stat.h>
                #include <stdio.h>
                #include <ntfs-3g/types.h>
                #include <ntfs-3g/device.h>
                #include <ntfs-3g/inode.h>
                #include <ntfs-3g/attrib.h>
                #include <ntfs-3g/layout.h>
                #include <ntfs-3g/volume.h>
                int main(void) {
                  printf("VOLUME_FLAGS %zu\\n", offsetof(ntfs_volume, flags));
                  printf("INODE_MFT_NO %zu\\n", offsetof(ntfs_inode, mft_no));
                  printf("INODE_MREC %zu\\n", offsetof(ntfs_inode, mrec));
                  printf("INODE_FLAGS %zu\\n", offsetof(ntfs_inode, flags));
                  printf("INODE_DATA_SIZE %zu\\n", offsetof(ntfs_inode, data_size));
                  printf("INODE_CREATION_TIME %zu\\n", offsetof(ntfs_inode, creation_time));
                  printf("INODE_LAST_DATA_CHANGE_TIME %zu\\n", offsetof(ntfs_inode, last_data_change_time));
                  printf("INODE_LAST_ACCESS_TIME %zu\\n", offsetof(ntfs_inode, last_access_time));
                  printf("MREC_FLAGS %zu\\n", offsetof(MFT_RECORD, flags));
                  printf("ATTR_RL %zu\\n", offsetof(ntfs_attr, rl));
                  printf("ATTR_DATA_FLAGS %zu\\n", offsetof(ntfs_attr, data_flags));
                  printf("ATTR_STATE %zu\\n", offsetof(ntfs_attr, state));
                  printf("ATTR_DATA_SIZE %zu\\n", offsetof(ntfs_attr, data_size));
                  printf("ATTR_INITIALIZED_SIZE %zu\\n", offsetof(ntfs_attr, initialized_size));
                  printf("RUNLIST_ELEMENT_SIZE %zu\\n", sizeof(runlist_element));
                  printf("D_STATE_OFFSET %zu\\n", offsetof(struct ntfs_device, d_state));
                  printf("OPS_SIZE %zu\\n", sizeof(struct ntfs_device_operations));
                  return 0;
                }
                """);
        Path exe = tmp.resolve("offsets");
        Tools.ok("gcc", "-o", exe.toString(), c.toString());
        Map<String, Long> actual = new HashMap<>();
        Tools.ok(exe.toString()).lines().forEach(l -> actual.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1])));

        assertEquals(actual.get("VOLUME_FLAGS"), NtfsStructs.VOLUME_FLAGS);
        assertEquals(actual.get("INODE_MFT_NO"), NtfsStructs.INODE_MFT_NO);
        assertEquals(actual.get("INODE_MREC"), NtfsStructs.INODE_MREC);
        assertEquals(actual.get("INODE_FLAGS"), NtfsStructs.INODE_FLAGS);
        assertEquals(actual.get("INODE_DATA_SIZE"), NtfsStructs.INODE_DATA_SIZE);
        assertEquals(actual.get("INODE_CREATION_TIME"), NtfsStructs.INODE_CREATION_TIME);
        assertEquals(actual.get("INODE_LAST_DATA_CHANGE_TIME"), NtfsStructs.INODE_LAST_DATA_CHANGE_TIME);
        assertEquals(actual.get("INODE_LAST_ACCESS_TIME"), NtfsStructs.INODE_LAST_ACCESS_TIME);
        assertEquals(actual.get("MREC_FLAGS"), NtfsStructs.MREC_FLAGS);
        assertEquals(actual.get("ATTR_RL"), NtfsStructs.ATTR_RL);
        assertEquals(actual.get("ATTR_DATA_FLAGS"), NtfsStructs.ATTR_DATA_FLAGS);
        assertEquals(actual.get("ATTR_STATE"), NtfsStructs.ATTR_STATE);
        assertEquals(actual.get("ATTR_DATA_SIZE"), NtfsStructs.ATTR_DATA_SIZE);
        assertEquals(actual.get("ATTR_INITIALIZED_SIZE"), NtfsStructs.ATTR_INITIALIZED_SIZE);
        assertEquals(actual.get("RUNLIST_ELEMENT_SIZE"), (long) NtfsStructs.RUNLIST_ELEMENT_SIZE);
        assertEquals(actual.get("D_STATE_OFFSET"), DeviceBridge.D_STATE_OFFSET);
        assertEquals(actual.get("OPS_SIZE"), (long) new DeviceBridge.Ops().size());
    }
}
