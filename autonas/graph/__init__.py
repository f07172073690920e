"""The graph search space: nodes and the `Graph` HyperModel."""

from autonas.graph.graph import Graph
from autonas.graph.nodes import ImageInput, Input, Node, StructuredDataInput, TextInput, TimeSeriesInput

__all__ = ["Graph", "Input", "ImageInput", "TextInput", "StructuredDataInput", "TimeSeriesInput", "Node"]
