"""Local twins of the deployed queries: DuckDB SQL, the map, result tables and the named queries."""
