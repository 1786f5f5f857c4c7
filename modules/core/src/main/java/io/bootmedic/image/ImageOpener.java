package io.bootmedic.image;

import io.bootmedic.format.InputFiles;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ContainerMagic;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.image.qcow2.Qcow2BlockDevice;
import io.bootmedic.image.vhd.VhdBlockDevice;
import io.bootmedic.image.vhdx.VhdxBlockDevice;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a disk image or device, recognising its format by content, never by file name. */
public final class ImageOpener {
    private ImageOpener() {
    }

    public static BlockDevice open(Path path, boolean writable) throws IOException {
        return open(path, writable, "--image");
    }

    /**
     * {@code option} names where the path came from ("--image", "--device") in messages. A FIFO,
     * directory or character device is refused before it is opened: a read from one blocks for ever.
     */
    public static BlockDevice open(Path path, boolean writable, String option) throws IOException {
        return open(path, writable, option, null);
    }

    /** {@code backingDir}: where a qcow2 backing file may be besides the image's own folder (null: nowhere else). */
    public static BlockDevice open(Path path, boolean writable, String option, Path backingDir) throws IOException {
        InputFiles.require(path, InputFiles.Kind.FILE_OR_BLOCK_DEVICE, option);
        FileBlockDevice file = FileBlockDevice.open(path, writable);
        try {
            if (Qcow2BlockDevice.isQcow(file)) {
                return Qcow2BlockDevice.open(file, path, writable, backingDir);
            }
            if (VhdxBlockDevice.isVhdx(file)) {
                return VhdxBlockDevice.open(file);
            }
            if (VhdBlockDevice.isVhd(file)) {
                return VhdBlockDevice.open(file);
            }
            ContainerMagic.refuseKnown(file); // VMDK, VDI, xz, ...: never read as a raw disk and called "no Windows"
            return file;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }
}
