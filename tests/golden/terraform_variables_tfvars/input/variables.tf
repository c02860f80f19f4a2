variable "registry_name" {
  type    = string
  default = "contosoacr"
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "acr_sku" {
  type        = string
  default     = "Basic"
  description = "The registry's SKU."
}

variable "acr_public_access" {
  type    = bool
  default = true
}
