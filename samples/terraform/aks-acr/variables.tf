variable "prefix" {
  type        = string
  description = "Prefix of every resource name."
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "acr_sku" {
  type    = string
  default = "Standard"

  validation {
    condition     = contains(["Basic", "Standard"], var.acr_sku)
    error_message = "The registry SKU must be Basic or Standard."
  }
}
