"""What needs the member: the start page's list, nearest deadline first."""
