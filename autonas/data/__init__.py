"""The data layer: every accepted input form becomes validated per-input arrays once."""

from autonas.data.adapters import adapt_inputs, adapt_targets, check_lengths, split_validation, to_array
from autonas.data.columns import ColumnInfo, infer_columns, to_frame, to_records
from autonas.data.csv_files import read_csv, split_target
from autonas.data.folders import load_image_folder, load_text_folder
from autonas.data.forms import load_data
from autonas.data.inputs import prepare_input
from autonas.data.targets import LabelEncoder
from autonas.data.text import to_text_array
from autonas.data.tf_dataset import dataset_to_arrays

__all__ = ["adapt_inputs", "adapt_targets", "check_lengths", "split_validation", "to_array", "LabelEncoder",
           "load_data", "prepare_input", "read_csv", "split_target", "load_image_folder", "load_text_folder",
           "dataset_to_arrays", "to_text_array", "ColumnInfo", "infer_columns", "to_frame", "to_records"]
