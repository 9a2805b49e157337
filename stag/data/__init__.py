"""Data utilities: ``DataLoader`` batches an array dataset into typed tensors."""

from stag.data._loader import DataLoader as DataLoader
