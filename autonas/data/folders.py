"""Image and text folders: one subfolder per class."""

import collections
import logging
import os

import numpy as np

from autonas.reporting.decisions import decision

logger = logging.getLogger("autonas")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
TEXT_EXTENSIONS = (".txt",)


def _class_files(path, extensions, arg_name):
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"`{arg_name}` is the path {path!r}, but no such folder exists.")
    classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)) and not d.startswith("."))
    files = []
    for label in classes:
        folder = os.path.join(path, label)
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                if name.lower().endswith(extensions):
                    files.append((os.path.join(root, name), label))
    if not files:
        raise ValueError(
            f"`{arg_name}` ({path!r}) holds no {'/'.join(extensions)} files in class subfolders; expected "
            "one subfolder per class, e.g. path/cat/1.png, path/dog/2.png."
        )
    return files, classes


def folder_kind(path):
    """Guess whether a class folder holds images or texts, from file extensions.

    Args:
        path: the folder.

    Returns:
        ``"image"``, ``"text"`` or None when it holds neither.

    Example:
        >>> folder_kind("photos/")  # doctest: +SKIP
        'image'
    """
    counts = collections.Counter()
    for _, _, names in os.walk(os.fspath(path)):
        for name in names:
            lower = name.lower()
            if lower.endswith(IMAGE_EXTENSIONS):
                counts["image"] += 1
            elif lower.endswith(TEXT_EXTENSIONS):
                counts["text"] += 1
    return counts.most_common(1)[0][0] if counts else None


def load_text_folder(path, arg_name="x"):
    """Read ``path/<class>/*.txt`` into texts and labels.

    Args:
        path: the folder, with one subfolder per class.
        arg_name: the argument name for error messages.

    Returns:
        ``(texts, labels)``: 1-D object arrays of `str`; labels are the
        subfolder names. Files are read in sorted order, as UTF-8.

    Example:
        >>> texts, labels = load_text_folder("reviews/")  # doctest: +SKIP
    """
    files, _ = _class_files(path, TEXT_EXTENSIONS, arg_name)
    texts = []
    for file, _ in files:
        with open(file, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    return np.asarray(texts, dtype=object), np.asarray([label for _, label in files], dtype=object)


def load_image_folder(path, image_size=None, arg_name="x"):
    """Read ``path/<class>/*.png`` (or jpg, bmp, gif) into an image array and labels.

    Images keep their pixel values (uint8). When sizes differ and
    `image_size` is None, all are resized to the most common size; grey and
    colour images mixed are all made colour.

    Args:
        path: the folder, with one subfolder per class.
        image_size: optional ``(height, width)`` to resize every image to.
        arg_name: the argument name for error messages.

    Returns:
        ``(images, labels)``: a uint8 array (N, H, W, C) and a 1-D object array
        of class names (the subfolder names).

    Example:
        >>> x, y = load_image_folder("digits/")  # doctest: +SKIP
    """
    import tensorflow as tf

    files, _ = _class_files(path, IMAGE_EXTENSIONS, arg_name)
    images = []
    for file, _ in files:
        try:
            image = tf.io.decode_image(tf.io.read_file(file), expand_animations=False).numpy()
        except tf.errors.InvalidArgumentError as e:
            raise ValueError(f"`{arg_name}`: could not decode the image {file!r} ({e.message}).") from None
        images.append(image)
    channels = max(img.shape[-1] for img in images)
    if channels in (3, 4):
        images = [np.repeat(img[..., :1], 3, axis=-1) if img.shape[-1] == 1 else img[..., :3] for img in images]
    sizes = collections.Counter(img.shape[:2] for img in images)
    target = tuple(image_size) if image_size is not None else sizes.most_common(1)[0][0]
    if len(sizes) > 1 or image_size is not None:
        if len(sizes) > 1:
            decision("%s: images have %d different sizes; resizing all to %s.", arg_name, len(sizes), target)
        images = [img if img.shape[:2] == target else
                  np.clip(np.round(tf.image.resize(img, target, antialias=True).numpy()), 0, 255).astype("uint8")
                  for img in images]
    return np.stack(images).astype("uint8"), np.asarray([label for _, label in files], dtype=object)
