package io.bootmedic.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a disk image or device, recognising its format by content, never by file name. */
public final class ImageOpener {
    private ImageOpener() {
    }

    public static BlockDevice open(Path path, boolean writable) throws IOException {
        if (!Files.exists(path)) {
            throw new ImageFormatException(path + " does not exist");
        }
        FileBlockDevice file = FileBlockDevice.open(path, writable);
        try {
            if (Qcow2BlockDevice.isQcow(file)) {
                return Qcow2BlockDevice.open(file, path, writable);
            }
            if (VhdxBlockDevice.isVhdx(file)) {
                return VhdxBlockDevice.open(file);
            }
            if (VhdBlockDevice.isVhd(file)) {
                return VhdBlockDevice.open(file);
            }
            if (file.size() >= 512 && "conectix".equals(new String(file.read(0, 8), java.nio.charset.StandardCharsets.US_ASCII))) {
                throw new ImageFormatException(path + " starts like a dynamic VHD but has no footer at its end: the file was cut short (copy it again)");
            }
            ContainerMagic.refuseKnown(file); // VMDK, VDI, xz, ...: never read as a raw disk and called "no Windows"
            return file;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }
}
