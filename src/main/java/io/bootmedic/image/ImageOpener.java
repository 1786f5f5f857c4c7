package io.bootmedic.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
            if (file.size() >= 8 && "vhdxfile".equals(ascii(file.read(0, 8)))) {
                throw new ImageFormatException(path + " is a VHDX image, which this build cannot open yet; convert it with 'qemu-img convert -O raw'");
            }
            if (VhdBlockDevice.isVhd(file)) {
                return VhdBlockDevice.open(file);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
